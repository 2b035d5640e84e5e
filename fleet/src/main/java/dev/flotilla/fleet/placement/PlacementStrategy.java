package dev.flotilla.fleet.placement;

/**
 * How a host is chosen among those that fit: {@link #BIN_PACK} fills the busiest host that still fits
 * (keeps whole hosts free for large VMs, or to drain), {@link #SPREAD} takes the least loaded one
 * (smallest blast radius, least noisy neighbours).
 */
public enum PlacementStrategy {
    BIN_PACK("bin-pack"), SPREAD("spread");

    private final String configName;

    PlacementStrategy(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static PlacementStrategy fromConfigName(String name) {
        for (PlacementStrategy s : values()) if (s.configName.equals(name)) return s;
        throw new IllegalArgumentException("placement strategy '" + name + "' is not one of bin-pack, spread");
    }
}
