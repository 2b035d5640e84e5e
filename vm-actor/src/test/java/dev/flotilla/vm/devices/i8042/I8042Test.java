package dev.flotilla.vm.devices.i8042;

import static dev.flotilla.vm.devices.i8042.I8042.OFFSET_DATA;
import static dev.flotilla.vm.devices.i8042.I8042.OFFSET_STATUS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.bus.IrqTrigger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class I8042Test {

    private final AtomicInteger irqPulses = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final List<String> events = new ArrayList<>();
    private I8042 i8042;

    @BeforeEach
    void setUp() {
        IrqTrigger irq = irqPulses::incrementAndGet;
        i8042 = new I8042(irq, resets::incrementAndGet, new I8042Events() {
            @Override
            public void missedRead(long offset, int width) {
                events.add("missed read " + offset + "/" + width);
            }

            @Override
            public void missedWrite(long offset, int width) {
                events.add("missed write " + offset + "/" + width);
            }

            @Override
            public void unknownCommand(int command) {
                events.add("unknown " + Integer.toHexString(command));
            }

            @Override
            public void resetPulsed() {
                events.add("reset pulsed");
            }
        });
    }

    private int status() {
        byte[] data = new byte[1];
        i8042.read(OFFSET_STATUS, data);
        return data[0] & 0xFF;
    }

    private int data() {
        byte[] data = new byte[1];
        i8042.read(OFFSET_DATA, data);
        return data[0] & 0xFF;
    }

    private void command(int value) {
        i8042.write(OFFSET_STATUS, new byte[] {(byte) value});
    }

    private void writeData(int value) {
        i8042.write(OFFSET_DATA, new byte[] {(byte) value});
    }

    @Test
    void idleControllerHasAnUnlockedKeyboardAndNoData() {
        assertEquals(0x14, status());
        assertEquals(0, data(), "an empty buffer reads 0");
        assertEquals(0, irqPulses.get());
    }

    @Test
    void resetCommandCallsTheHandlerExactlyOnce() {
        command(0xFE);
        assertEquals(1, resets.get());
        assertTrue(i8042.resetRequested());
        command(0xFE);
        assertEquals(1, resets.get(), "the VM is already ending");
        assertEquals(List.of("reset pulsed", "reset pulsed"), events);
    }

    @Test
    void onlyPulsesOfLineZeroReset() {
        command(0xFF);                        // pulse no line
        command(0xFD);                        // pulse line 1 only
        writeData(0xFE);                      // 0xFE on the data port is a keyboard byte
        assertEquals(0, resets.get());
        assertFalse(i8042.resetRequested());
        command(0xF0);                        // all four lines, line 0 included
        assertEquals(1, resets.get());
    }

    @Test
    void commandByteIsReadAndWrittenThroughTheDataPort() {
        command(0x20);
        assertEquals(0x01, status() & 0x01, "reply waiting");
        assertEquals(0x05, data(), "keyboard interrupt on, POST passed");

        command(0x60);
        assertEquals(0x08, status() & 0x08, "expecting the parameter byte");
        writeData(0x44);
        assertEquals(0x00, status() & 0x08);
        assertEquals(0x44, i8042.commandByte());
        command(0x20);
        assertEquals(0x44, data());
    }

    @Test
    void selfTestsPass() {
        command(0xAA);
        assertEquals(0x55, data());
        command(0xAB);
        assertEquals(0x01, status() & 0x01);
        assertEquals(0x00, data());
        assertEquals(0x00, status() & 0x01);
    }

    @Test
    void outputPortIsWrittenAndReadBack() {
        command(0xD1);
        writeData(0xDF);
        command(0xD0);
        assertEquals(0xDF, data());
        assertEquals(0, resets.get());
    }

    @Test
    void keyboardAndAuxEnableCommandsUpdateTheCommandByte() {
        command(0xAD);
        command(0xA7);
        assertEquals(0x05 | 0x10 | 0x20, i8042.commandByte());
        command(0xAE);
        command(0xA8);
        assertEquals(0x05, i8042.commandByte());
    }

    @Test
    void keyboardCommandsAreAcknowledgedWithTheRepliesLinuxProbesFor() {
        writeData(0xF5);
        assertEquals(0xFA, data());
        writeData(0xFF);
        assertEquals(0xFA, data());
        assertEquals(0xAA, data(), "basic assurance test passed");
        writeData(0xF2);
        assertEquals(0xFA, data());
        assertEquals(0xAB, data());
        assertEquals(0x83, data());
        assertEquals(0x00, status() & 0x01);
    }

    @Test
    void writeKeyboardOutputBufferEchoesTheByteAsKeyboardData() {
        command(0xD2);
        writeData(0x1C);
        assertEquals(1, irqPulses.get());
        assertEquals(0x1C, data());
    }

    @Test
    void ctrlAltDelQueuesSet2MakeCodesWithOneInterruptPerByte() {
        assertTrue(i8042.sendCtrlAltDel());
        assertEquals(1, irqPulses.get());
        int[] bytes = new int[4];
        for (int i = 0; i < 4; i++) {
            assertEquals(0x01, status() & 0x01);
            bytes[i] = data();
        }
        assertArrayEquals(new int[] {0x14, 0x11, 0xE0, 0x71}, bytes);
        assertEquals(4, irqPulses.get(), "the line drops on each read and rises while bytes remain");
        assertEquals(0x00, status() & 0x01);
    }

    @Test
    void ctrlAltDelIsTranslatedToSet1WhenTheGuestTurnedTranslationOn() {
        command(0x60);
        writeData(0x45);                      // interrupt, system flag, translate
        assertTrue(i8042.sendCtrlAltDel());
        assertArrayEquals(new int[] {0x1D, 0x38, 0xE0, 0x53}, new int[] {data(), data(), data(), data()});
    }

    @Test
    void ctrlAltDelWithTheInterruptDisabledQueuesButDoesNotInterrupt() {
        command(0x60);
        writeData(0x04);
        assertTrue(i8042.sendCtrlAltDel());
        assertEquals(0, irqPulses.get());
        assertEquals(0x14, data());
        command(0x60);
        writeData(0x05);
        assertEquals(1, irqPulses.get(), "enabling the interrupt with data waiting raises it");
    }

    @Test
    void outputBufferIsBoundedAndCtrlAltDelIsAllOrNothing() {
        for (int i = 0; i < I8042.OUTPUT_BUFFER_SIZE / 4; i++) {
            assertTrue(i8042.sendCtrlAltDel());
        }
        assertFalse(i8042.sendCtrlAltDel());
        for (int i = 0; i < I8042.OUTPUT_BUFFER_SIZE / 4; i++) {
            assertArrayEquals(new int[] {0x14, 0x11, 0xE0, 0x71}, new int[] {data(), data(), data(), data()});
        }
        assertEquals(0x00, status() & 0x01);
    }

    @Test
    void accessesOutsideTheTwoPortsOrWiderThanAByteAreMissed() {
        byte[] wide = {7, 7};
        i8042.read(OFFSET_STATUS, wide);
        assertArrayEquals(new byte[] {-1, -1}, wide);
        i8042.read(1, new byte[1]);
        i8042.write(OFFSET_STATUS, new byte[] {(byte) 0xFE, 0});
        i8042.write(2, new byte[] {(byte) 0xFE});
        assertEquals(0, resets.get());
        assertEquals(List.of("missed read 4/2", "missed read 1/1", "missed write 4/2", "missed write 2/1"), events);
    }

    @Test
    void unknownCommandsAreReportedAndIgnored() {
        command(0xC0);
        assertEquals(List.of("unknown c0"), events);
        assertEquals(0x14, status());
    }

    @Test
    void saveAndRestoreKeepTheCommandByteAndUnreadBytes() {
        command(0x60);
        writeData(0x45);
        i8042.sendCtrlAltDel();
        data();
        I8042State state = i8042.save();
        assertArrayEquals(new byte[] {0x38, (byte) 0xE0, 0x53}, state.outputBuffer());

        var restoredResets = new AtomicInteger();
        var restored = I8042.restore(state, IrqTrigger.NONE, restoredResets::incrementAndGet, I8042Events.NONE);
        assertEquals(state, restored.save());
        assertEquals(0x45, restored.commandByte());
        byte[] one = new byte[1];
        restored.read(OFFSET_DATA, one);
        assertEquals(0x38, one[0]);
    }

    @Test
    void restoredControllerDoesNotResetTwice() {
        command(0xFE);
        var restoredResets = new AtomicInteger();
        var restored = I8042.restore(i8042.save(), IrqTrigger.NONE, restoredResets::incrementAndGet, I8042Events.NONE);
        restored.write(OFFSET_STATUS, new byte[] {(byte) 0xFE});
        assertEquals(0, restoredResets.get());
        assertTrue(restored.resetRequested());
    }
}
