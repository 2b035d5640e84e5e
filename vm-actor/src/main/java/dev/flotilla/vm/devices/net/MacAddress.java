package dev.flotilla.vm.devices.net;

import java.util.Arrays;
import java.util.HexFormat;

/** A unicast Ethernet address, as the guest reads it from the device's configuration space. */
public record MacAddress(byte[] bytes) {

    public MacAddress {
        if (bytes == null || bytes.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes");
        }
        if ((bytes[0] & 1) != 0) {
            throw new IllegalArgumentException("MAC " + format(bytes) + " is a multicast address: clear the lowest bit of the first byte");
        }
        bytes = bytes.clone();
    }

    /** Parses "06:00:ac:10:00:02". */
    public static MacAddress parse(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address like 06:00:ac:10:00:02");
        }
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (parts[i].length() != 2) throw new IllegalArgumentException("'" + text + "' is not a MAC address like 06:00:ac:10:00:02");
            b[i] = (byte) HexFormat.fromHexDigits(parts[i]);
        }
        return new MacAddress(b);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    private static String format(byte[] b) {
        return HexFormat.ofDelimiter(":").formatHex(b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return format(bytes);
    }
}
