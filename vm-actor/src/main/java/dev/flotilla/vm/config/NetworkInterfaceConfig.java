package dev.flotilla.vm.config;

import java.util.Optional;
import java.util.regex.Pattern;

/** A virtio-net interface backed by a TAP device, Firecracker's {@code NetworkInterface}. */
public record NetworkInterfaceConfig(String ifaceId, String hostDevName, Optional<String> guestMac,
                                     Optional<RateLimiterConfig> rxRateLimiter,
                                     Optional<RateLimiterConfig> txRateLimiter) {

    private static final Pattern MAC = Pattern.compile("^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$");
    /** Linux interface names: at most 15 bytes, no '/', no whitespace. */
    private static final Pattern IFNAME = Pattern.compile("^[A-Za-z0-9_.-]{1,15}$");

    public NetworkInterfaceConfig {
        ConfigIds.check("iface_id", ifaceId);
        if (hostDevName == null || !IFNAME.matcher(hostDevName).matches()) {
            throw new InvalidConfigException("host_dev_name", "host_dev_name '" + hostDevName
                    + "' is not a valid TAP name: 1-15 characters of letters, digits, '_', '.', '-'");
        }
        if (guestMac == null || rxRateLimiter == null || txRateLimiter == null) throw new IllegalArgumentException("use Optional.empty()");
        if (guestMac.isPresent()) {
            if (!MAC.matcher(guestMac.get()).matches()) {
                throw new InvalidConfigException("guest_mac", "guest_mac '" + guestMac.get() + "' is not a MAC address like 06:00:ac:10:00:02");
            }
            if ((Integer.parseInt(guestMac.get().substring(0, 2), 16) & 1) != 0) {
                throw new InvalidConfigException("guest_mac", "guest_mac " + guestMac.get() + " is a multicast address: clear the lowest bit of the first byte");
            }
        }
    }
}
