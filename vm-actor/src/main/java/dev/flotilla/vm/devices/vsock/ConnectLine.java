package dev.flotilla.vm.devices.vsock;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * The host side's one-line handshake (Firecracker's): a host program that connected to {@code uds_path}
 * writes {@code CONNECT <port>\n} naming the guest port, and reads {@code OK <host port>\n} once the guest
 * accepted. Lines are short and bounded so a silent or chatty client cannot make the device buffer more.
 */
final class ConnectLine {

    /** The longest line accepted, newline included ("CONNECT 4294967295\n" is 19 bytes). */
    static final int MAX_LENGTH = 32;

    private ConnectLine() {}

    /**
     * Parses the line without its newline: {@code CONNECT} (any case), one space, a decimal u32 port, an
     * optional trailing CR.
     *
     * @return the guest port, or empty if the line is not a CONNECT command
     */
    static OptionalLong parse(byte[] line, int len) {
        String s = new String(line, 0, len, StandardCharsets.US_ASCII);
        if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
        if (s.length() < 9 || !s.regionMatches(true, 0, "CONNECT ", 0, 8)) return OptionalLong.empty();
        String digits = s.substring(8);
        if (digits.isEmpty() || digits.length() > 10) return OptionalLong.empty();
        long port = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') return OptionalLong.empty();
            port = port * 10 + (c - '0');
        }
        return port > 0xFFFF_FFFFL ? OptionalLong.empty() : OptionalLong.of(port);
    }

    static byte[] ok(long hostPort) {
        return ("OK " + hostPort + "\n").getBytes(StandardCharsets.US_ASCII);
    }
}
