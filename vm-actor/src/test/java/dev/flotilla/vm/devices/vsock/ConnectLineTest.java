package dev.flotilla.vm.devices.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConnectLineTest {

    private static OptionalLong parse(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return ConnectLine.parse(b, b.length);
    }

    @Test
    void acceptsFirecrackersCommand() {
        assertEquals(OptionalLong.of(52), parse("CONNECT 52"));
        assertEquals(OptionalLong.of(52), parse("connect 52\r"));
        assertEquals(OptionalLong.of(4294967295L), parse("CONNECT 4294967295"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "CONNECT", "CONNECT ", "CONNECT 4294967296", "CONNECT -1", "CONNECT 5 6",
            "CONNECT  5", "LISTEN 5", "CONNECT 0x10", "CONNECT 99999999999"})
    void refusesAnythingElse(String line) {
        assertEquals(OptionalLong.empty(), parse(line));
    }

    @Test
    void okNamesTheHostPort() {
        assertEquals("OK 1073741824\n", new String(ConnectLine.ok(1L << 30), StandardCharsets.US_ASCII));
    }
}
