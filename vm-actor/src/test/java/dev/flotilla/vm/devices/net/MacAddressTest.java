package dev.flotilla.vm.devices.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MacAddressTest {

    @Test
    void parsesAndPrintsTheColonForm() {
        MacAddress m = MacAddress.parse("06:00:AC:10:00:02");
        assertArrayEquals(new byte[] {6, 0, (byte) 0xac, 0x10, 0, 2}, m.bytes());
        assertEquals("06:00:ac:10:00:02", m.toString());
        assertEquals(m, MacAddress.parse("06:00:ac:10:00:02"));
    }

    @Test
    void refusesMulticastAndMalformedAddresses() {
        IllegalArgumentException multicast = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("01:00:5e:00:00:01"));
        assertTrue(multicast.getMessage().contains("multicast"), multicast::getMessage);
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("06:00:ac:10:00"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("06:00:ac:10:00:2"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("06:00:ac:10:00:zz"));
    }

    @Test
    void theBytesCannotBeChangedFromOutside() {
        byte[] b = {6, 0, 0, 0, 0, 1};
        MacAddress m = new MacAddress(b);
        b[5] = 9;
        m.bytes()[5] = 9;
        assertEquals(1, m.bytes()[5]);
    }
}
