package dev.flotilla.vm.config;

/** What backs guest memory: normal 4 KiB pages or 2 MiB hugetlbfs pages (API field {@code huge_pages}). */
public enum HugePages {
    NONE("None", 4 * 1024),
    HUGETLBFS_2M("2M", 2 * 1024 * 1024);

    private final String apiName;
    private final long pageSizeBytes;

    HugePages(String apiName, long pageSizeBytes) {
        this.apiName = apiName;
        this.pageSizeBytes = pageSizeBytes;
    }

    /** The name in the API ("None" or "2M"). */
    public String apiName() {
        return apiName;
    }

    public long pageSizeBytes() {
        return pageSizeBytes;
    }

    /** @throws InvalidConfigException when {@code name} is neither "None" nor "2M" */
    public static HugePages fromApiName(String name) {
        for (HugePages pages : values()) {
            if (pages.apiName.equals(name)) {
                return pages;
            }
        }
        throw new InvalidConfigException("huge_pages", "huge_pages '" + name + "' is not a page size: use None or 2M");
    }
}
