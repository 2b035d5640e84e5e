package dev.flotilla.vm.config;

/**
 * A virtio-balloon device, Firecracker's {@code Balloon}: the target size in MiB, whether the guest may
 * deflate it when it runs out of memory, and how often (seconds, 0 = never) it reports statistics.
 */
public record BalloonConfig(long amountMib, boolean deflateOnOom, int statsPollingIntervalS) {
    public BalloonConfig {
        if (amountMib < 0 || amountMib > MachineConfig.MAX_MEM_SIZE_MIB) {
            throw new InvalidConfigException("amount_mib", "amount_mib " + amountMib + " is out of range: use 0 to " + MachineConfig.MAX_MEM_SIZE_MIB);
        }
        if (statsPollingIntervalS < 0 || statsPollingIntervalS > 3600) {
            throw new InvalidConfigException("stats_polling_interval_s", "stats_polling_interval_s " + statsPollingIntervalS
                    + " is out of range: use 0 (off) to 3600");
        }
    }
}
