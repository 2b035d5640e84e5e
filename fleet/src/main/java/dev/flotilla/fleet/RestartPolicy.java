package dev.flotilla.fleet;

/** What the fleet does when a VM ends: nothing, boot it again after a failure, or boot it again always. */
public enum RestartPolicy {
    NEVER("never"), ON_FAILURE("on-failure"), ALWAYS("always");

    private final String apiName;

    RestartPolicy(String apiName) {
        this.apiName = apiName;
    }

    public String apiName() {
        return apiName;
    }

    public static RestartPolicy fromApiName(String name) {
        for (RestartPolicy p : values()) if (p.apiName.equals(name)) return p;
        throw new dev.flotilla.vm.config.InvalidConfigException("restart_policy",
                "restart_policy '" + name + "' is not one of never, on-failure, always");
    }
}
