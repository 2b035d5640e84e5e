package dev.flotilla.vm.devices.boottimer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.bus.Bus;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BootTimerTest {

    private final AtomicLong clock = new AtomicLong(1_000);
    private final List<Long> notified = new ArrayList<>();
    private final BootTimer timer = new BootTimer(clock::get, notified::add);

    @Test
    void recordsTheFirstMagicWriteOnly() {
        timer.write(0, new byte[] {123});
        clock.set(5_000);
        timer.write(0, new byte[] {123});
        assertEquals(List.of(1_000L), notified);
        assertEquals(OptionalLong.of(1_000), timer.bootCompleteNanos());
    }

    @Test
    void ignoresOtherValuesAndOtherOffsets() {
        timer.write(0, new byte[] {122});
        timer.write(0, new byte[] {(byte) 0xFB});
        timer.write(1, new byte[] {123});
        timer.write(0x800, new byte[] {123});
        timer.write(0, new byte[0]);
        assertTrue(notified.isEmpty());
        assertTrue(timer.bootCompleteNanos().isEmpty());

        clock.set(42);
        timer.write(0, new byte[] {123, 0, 0, 0});   // a 32-bit store of 123: its first byte counts
        assertEquals(List.of(42L), notified);
    }

    @Test
    void readsReturnZeros() {
        byte[] data = {1, 2, 3, 4};
        timer.read(0, data);
        assertArrayEquals(new byte[4], data);
    }

    @Test
    void answersAtTheFirecrackerAddressOnTheMmioBus() {
        Bus mmio = Bus.builder().add("boot-timer", BootTimer.MMIO_BASE, BootTimer.MMIO_SIZE, timer).build();
        assertTrue(mmio.write(0xC000_0000L, new byte[] {123}));
        assertEquals(List.of(1_000L), notified);
    }

    @Test
    void concurrentBootWritesNotifyOnce() throws Exception {
        var counted = new AtomicLong();
        var shared = new BootTimer(System::nanoTime, t -> counted.incrementAndGet());
        Thread[] vcpus = new Thread[4];
        for (int i = 0; i < vcpus.length; i++) {
            vcpus[i] = new Thread(() -> {
                for (int j = 0; j < 1000; j++) {
                    shared.write(0, new byte[] {123});
                }
            });
            vcpus[i].start();
        }
        for (Thread t : vcpus) {
            t.join();
        }
        assertEquals(1, counted.get());
        assertTrue(shared.bootCompleteNanos().isPresent());
    }
}
