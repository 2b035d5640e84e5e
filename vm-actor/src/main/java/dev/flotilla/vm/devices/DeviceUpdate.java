package dev.flotilla.vm.devices;

import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.NetworkInterfaceConfig;
import dev.flotilla.vm.config.RateLimiterConfig;
import java.util.Optional;

/**
 * A change to a running device, Firecracker's post-boot PATCH bodies: a drive's backing file and rate
 * limiter, a network interface's rate limiters, the entropy device's rate limiter, the balloon's target.
 */
public sealed interface DeviceUpdate {

    /** PATCH /drives/{id}: a new backing file (size picked up, guest told) and/or a new rate limiter. */
    record Drive(DriveConfig drive, boolean pathChanged) implements DeviceUpdate {}

    /** PATCH /network-interfaces/{id}: new rx/tx rate limiters (absent = keep). */
    record NetworkInterface(NetworkInterfaceConfig iface) implements DeviceUpdate {}

    /** A new rate limiter for the entropy device. */
    record Entropy(Optional<RateLimiterConfig> rateLimiter) implements DeviceUpdate {}

    /** PATCH /balloon: a new target (and stats interval). */
    record Balloon(BalloonConfig balloon) implements DeviceUpdate {}
}
