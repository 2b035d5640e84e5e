package dev.flotilla.vm.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BusTest {

    /** Answers reads with its id and the low byte of the offset; remembers writes. */
    private static final class RecordingDevice implements BusDevice {
        final int id;
        final List<String> writes = new ArrayList<>();
        long lastReadOffset = -1;

        RecordingDevice(int id) {
            this.id = id;
        }

        @Override
        public void read(long offset, byte[] data) {
            lastReadOffset = offset;
            data[0] = (byte) id;
            if (data.length > 1) {
                data[1] = (byte) offset;
            }
        }

        @Override
        public void write(long offset, byte[] data) {
            writes.add(offset + ":" + data.length);
        }
    }

    @Test
    void overlappingRangesAreRefusedNamingBothDevices() {
        var builder = Bus.builder()
                .add("serial", 0x3F8, 8, new RecordingDevice(1))
                .add("clash", 0x3FF, 2, new RecordingDevice(2));
        var e = assertThrows(BusRangeOverlapException.class, builder::build);
        assertTrue(e.getMessage().contains("serial [0x3f8, 0x400)"), e.getMessage());
        assertTrue(e.getMessage().contains("clash [0x3ff, 0x401)"), e.getMessage());
    }

    @Test
    void rangeInsideAnotherIsRefusedWhateverTheInsertionOrder() {
        var builder = Bus.builder()
                .add("inner", 0x1010, 0x10, new RecordingDevice(1))
                .add("outer", 0x1000, 0x100, new RecordingDevice(2));
        assertThrows(BusRangeOverlapException.class, builder::build);
    }

    @Test
    void adjacentRangesAreAccepted() {
        var bus = Bus.builder()
                .add("a", 0x60, 5, new RecordingDevice(1))
                .add("b", 0x65, 1, new RecordingDevice(2))
                .build();
        assertEquals(2, bus.mappings().size());
        assertEquals(0x60, bus.mappings().get(0).base());
    }

    @Test
    void lookupHonoursBothEdgesOfEachRange() {
        var low = new RecordingDevice(1);
        var high = new RecordingDevice(2);
        var bus = Bus.builder().add(0x100, 0x10, high).add(0x60, 5, low).build();
        byte[] one = new byte[1];

        assertTrue(bus.read(0x60, one));
        assertEquals(1, one[0]);
        assertEquals(0, low.lastReadOffset);

        assertTrue(bus.read(0x64, one));
        assertEquals(4, low.lastReadOffset);

        assertFalse(bus.read(0x65, one));
        assertEquals((byte) 0xFF, one[0]);
        assertFalse(bus.read(0x5F, one));

        assertTrue(bus.read(0x10F, one));
        assertEquals(2, one[0]);
        assertEquals(0xF, high.lastReadOffset);
        assertFalse(bus.read(0x110, one));
        assertFalse(bus.read(0xFF, one));
        assertFalse(bus.read(0, one));
        assertFalse(bus.read(Long.MAX_VALUE, one));
        assertFalse(bus.read(-1, one));
    }

    @Test
    void unmappedReadFillsAllOnes() {
        var bus = Bus.builder().add(0x3F8, 8, new RecordingDevice(1)).build();
        byte[] data = {1, 2, 3, 4};
        assertFalse(bus.read(0x2F8, data));
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, data);
    }

    @Test
    void accessRunningPastTheEndOfARangeIsUnmapped() {
        var device = new RecordingDevice(1);
        var bus = Bus.builder().add(0x1000, 8, device).build();
        assertTrue(bus.read(0x1004, new byte[4]));
        assertFalse(bus.read(0x1005, new byte[4]));
        assertFalse(bus.write(0x1006, new byte[4]));
        assertTrue(device.writes.isEmpty());
    }

    @Test
    void writesReachTheDeviceWithTheOffsetInsideItsRange() {
        var device = new RecordingDevice(1);
        var bus = Bus.builder().add(0xC000_0000L, 0x1000, device).build();
        assertTrue(bus.write(0xC000_0000L, new byte[] {123}));
        assertTrue(bus.write(0xC000_0FFCL, new byte[4]));
        assertFalse(bus.write(0xC000_1000L, new byte[1]));
        assertEquals(List.of("0:1", "4092:4"), device.writes);
    }

    @Test
    void emptyBusMapsNothing() {
        var bus = Bus.builder().build();
        assertFalse(bus.read(0x3F8, new byte[1]));
        assertFalse(bus.write(0x3F8, new byte[1]));
        assertNull(bus.mappingAt(0x3F8));
    }

    @Test
    void mappingAtNamesTheDeviceForDiagnostics() {
        var device = new RecordingDevice(1);
        var bus = Bus.builder().add("serial", 0x3F8, 8, device).build();
        assertSame(device, bus.mappingAt(0x3FF).device());
        assertEquals("serial", bus.mappingAt(0x3F8).name());
        assertNull(bus.mappingAt(0x400));
    }

    @Test
    void nonsensicalMappingsAreRefused() {
        var device = new RecordingDevice(1);
        assertThrows(IllegalArgumentException.class, () -> Bus.builder().add(0x10, 0, device));
        assertThrows(IllegalArgumentException.class, () -> Bus.builder().add(-1, 1, device));
        assertThrows(IllegalArgumentException.class, () -> Bus.builder().add(Long.MAX_VALUE, 2, device));
    }
}
