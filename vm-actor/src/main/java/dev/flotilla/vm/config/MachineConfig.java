package dev.flotilla.vm.config;

/**
 * A VM's shape: the body of Firecracker's {@code PUT /machine-config}, validated on construction.
 *
 * @param vcpuCount       1 to {@link #MAX_VCPUS}; with SMT on, 1 or even (vCPUs come in sibling pairs)
 * @param memSizeMib      guest RAM, {@link #MIN_MEM_SIZE_MIB} to {@link #MAX_MEM_SIZE_MIB}; a multiple
 *                        of 2 with 2M huge pages
 * @param smt             present vCPUs as hyper-thread siblings
 * @param cpuTemplate     which CPU features the guest sees
 * @param trackDirtyPages log dirty pages so diff snapshots can be taken
 * @param hugePages       what backs guest memory
 */
public record MachineConfig(int vcpuCount, long memSizeMib, boolean smt, CpuTemplate cpuTemplate,
                            boolean trackDirtyPages, HugePages hugePages) {

    /** Firecracker's limit: microVMs are for small workloads. */
    public static final int MAX_VCPUS = 32;
    /**
     * Smallest guest accepted. The fixed low-memory layout takes the first MiB and kernels load
     * above it; nothing that boots fits under 16 MiB (the probe guest needs a few MiB, a Linux
     * kernel with initramfs tens), so a smaller value is almost surely a unit mistake.
     * Firecracker accepts any non-zero size; this is stricter on purpose.
     */
    public static final long MIN_MEM_SIZE_MIB = 16;
    /**
     * Largest guest accepted: 64 GiB. Far above what a fleet of microVMs is for, and low enough
     * that a typo (an extra digit, bytes given as MiB) is refused instead of reserving the host;
     * whether the host actually has the memory is placement's question.
     */
    public static final long MAX_MEM_SIZE_MIB = 64 * 1024;
    /** Firecracker's default memory size. */
    public static final long DEFAULT_MEM_SIZE_MIB = 128;

    /** Firecracker's defaults: 1 vCPU, 128 MiB, no SMT, no template, no dirty tracking, 4 KiB pages. */
    public static final MachineConfig DEFAULT =
            new MachineConfig(1, DEFAULT_MEM_SIZE_MIB, false, CpuTemplate.NONE, false, HugePages.NONE);

    public MachineConfig {
        if (vcpuCount < 1 || vcpuCount > MAX_VCPUS) {
            throw new InvalidConfigException("vcpu_count",
                    "vcpu_count " + vcpuCount + " is out of range: use 1 to " + MAX_VCPUS);
        }
        if (smt && vcpuCount > 1 && vcpuCount % 2 != 0) {
            throw new InvalidConfigException("vcpu_count", "vcpu_count " + vcpuCount
                    + " is odd but smt is on: with SMT vCPUs come in sibling pairs, so use 1 or an even count, "
                    + "or set smt to false");
        }
        if (memSizeMib < MIN_MEM_SIZE_MIB || memSizeMib > MAX_MEM_SIZE_MIB) {
            throw new InvalidConfigException("mem_size_mib", "mem_size_mib " + memSizeMib + " is out of range: use "
                    + MIN_MEM_SIZE_MIB + " to " + MAX_MEM_SIZE_MIB + " (MiB, not bytes)");
        }
        if (cpuTemplate == null) {
            throw new InvalidConfigException("cpu_template", "cpu_template is missing: use None for no template");
        }
        if (hugePages == null) {
            throw new InvalidConfigException("huge_pages", "huge_pages is missing: use None or 2M");
        }
        if ((memSizeMib * 1024 * 1024) % hugePages.pageSizeBytes() != 0) {
            throw new InvalidConfigException("mem_size_mib", "mem_size_mib " + memSizeMib
                    + " is not a whole number of " + hugePages.apiName() + " huge pages: use an even size");
        }
    }

    /** Guest RAM in bytes. */
    public long memSizeBytes() {
        return memSizeMib * 1024 * 1024;
    }

    public MachineConfig withVcpuCount(int count) {
        return new MachineConfig(count, memSizeMib, smt, cpuTemplate, trackDirtyPages, hugePages);
    }

    public MachineConfig withMemSizeMib(long mib) {
        return new MachineConfig(vcpuCount, mib, smt, cpuTemplate, trackDirtyPages, hugePages);
    }

    public MachineConfig withSmt(boolean enabled) {
        return new MachineConfig(vcpuCount, memSizeMib, enabled, cpuTemplate, trackDirtyPages, hugePages);
    }

    public MachineConfig withCpuTemplate(CpuTemplate template) {
        return new MachineConfig(vcpuCount, memSizeMib, smt, template, trackDirtyPages, hugePages);
    }

    public MachineConfig withTrackDirtyPages(boolean enabled) {
        return new MachineConfig(vcpuCount, memSizeMib, smt, cpuTemplate, enabled, hugePages);
    }

    public MachineConfig withHugePages(HugePages pages) {
        return new MachineConfig(vcpuCount, memSizeMib, smt, cpuTemplate, trackDirtyPages, pages);
    }
}
