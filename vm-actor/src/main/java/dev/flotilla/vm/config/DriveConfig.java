package dev.flotilla.vm.config;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A virtio-blk drive, Firecracker's {@code Drive}: a host file, read-only or read-write, optionally the
 * root device (by /dev/vda or by partuuid), with an optional rate limiter.
 */
public record DriveConfig(String driveId, Path pathOnHost, boolean isRootDevice, boolean isReadOnly,
                          Optional<String> partuuid, Optional<RateLimiterConfig> rateLimiter) {

    private static final Pattern PARTUUID = Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{2}$|^[0-9a-fA-F-]{36}$");

    public DriveConfig {
        ConfigIds.check("drive_id", driveId);
        if (pathOnHost == null || pathOnHost.toString().isEmpty()) {
            throw new InvalidConfigException("path_on_host", "path_on_host is missing: give the backing file of drive " + driveId);
        }
        if (partuuid == null || rateLimiter == null) throw new IllegalArgumentException("use Optional.empty()");
        if (partuuid.isPresent() && !PARTUUID.matcher(partuuid.get()).matches()) {
            throw new InvalidConfigException("partuuid", "partuuid '" + partuuid.get()
                    + "' is not a partition UUID (e.g. 12345678-01 for MBR or a 36-character GPT UUID)");
        }
        if (partuuid.isPresent() && !isRootDevice) {
            throw new InvalidConfigException("partuuid", "partuuid only applies to the root device: set is_root_device");
        }
    }
}
