package dev.flotilla.vm.devices.net;

import dev.flotilla.vm.config.NetworkInterfaceConfig;
import dev.flotilla.vm.config.RateLimiterConfig;

/** Builds the device for one {@link NetworkInterfaceConfig}: opens its TAP and its live rate limiters. */
public final class VirtioNetFactory {

    private VirtioNetFactory() {
    }

    /**
     * Opens (creating it if absent) the TAP {@code host_dev_name} and builds the device around it.
     *
     * @throws dev.flotilla.kvm.sys.NativeException if the TAP cannot be opened; the message names
     *         the call and what to do (permissions, TAP busy, no tun module)
     */
    public static VirtioNet create(String workerName, NetworkInterfaceConfig config) {
        TapBackend tap = TapBackend.open(config.hostDevName());
        try {
            return new VirtioNet(workerName, tap, config.guestMac().map(MacAddress::parse),
                    config.rxRateLimiter().map(RateLimiterConfig::newLimiter),
                    config.txRateLimiter().map(RateLimiterConfig::newLimiter));
        } catch (RuntimeException | Error e) {
            tap.close();
            throw e;
        }
    }
}
