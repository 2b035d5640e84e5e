package dev.flotilla.vm.devices.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteRingTest {

    @Test
    void refusesToGrowPastItsCapacity() {
        ByteRing r = new ByteRing(8);
        r.put(new byte[6], 0, 6);
        assertThrows(IllegalStateException.class, () -> r.put(new byte[3], 0, 3));
        assertEquals(6, r.size());
    }

    @Test
    void keepsOrderAcrossTheWrapAndPartialDrains() throws IOException {
        ByteRing r = new ByteRing(100);
        FakeHostStream out = new FakeHostStream();
        Random rnd = new Random(7);
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        for (int round = 0; round < 200; round++) {
            int n = rnd.nextInt(r.free() + 1);
            byte[] b = new byte[n];
            rnd.nextBytes(b);
            r.put(b, 0, n);
            expected.write(b, 0, n);
            out.writeRoom = rnd.nextInt(60);
            r.drainTo(out);
        }
        out.writeRoom = Long.MAX_VALUE;
        r.drainTo(out);
        assertEquals(0, r.size());
        assertArrayEquals(expected.toByteArray(), out.received.toByteArray());
    }
}
