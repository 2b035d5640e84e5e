package dev.flotilla.vm.devices.serial;

import static dev.flotilla.vm.devices.serial.Serial8250.DATA;
import static dev.flotilla.vm.devices.serial.Serial8250.IER;
import static dev.flotilla.vm.devices.serial.Serial8250.IIR_FCR;
import static dev.flotilla.vm.devices.serial.Serial8250.LCR;
import static dev.flotilla.vm.devices.serial.Serial8250.LSR;
import static dev.flotilla.vm.devices.serial.Serial8250.MCR;
import static dev.flotilla.vm.devices.serial.Serial8250.MSR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.bus.IrqTrigger;
import dev.flotilla.vm.console.ConsoleSink;
import org.junit.jupiter.api.Test;

/**
 * The register sequence Linux's 8250 driver runs at start-up (autoconfig, autoconfig_16550a and the
 * THRE test in serial8250_do_startup), replayed against the model, and the snapshot round trip.
 */
class Serial8250LinuxProbeTest {

    private final ConsoleSink console = ConsoleSink.inMemory();
    private final Serial8250 uart = new Serial8250(IrqTrigger.NONE, console);

    private int in(int offset) {
        byte[] data = new byte[1];
        uart.read(offset, data);
        return data[0] & 0xFF;
    }

    private void out(int offset, int value) {
        uart.write(offset, new byte[] {(byte) value});
    }

    @Test
    void linuxAutoconfigFindsAPlain16550aWithAWorkingThrEmptyInterrupt() {
        // Existence test through IER.
        int savedIer = in(IER);
        out(IER, 0);
        int scratch2 = in(IER) & 0x0F;
        out(IER, 0x0F);
        int scratch3 = in(IER) & 0x0F;
        out(IER, savedIer);
        assertEquals(0, scratch2);
        assertEquals(0x0F, scratch3);

        // Loopback test.
        int savedMcr = in(MCR);
        out(MCR, 0x10 | 0x0A);
        int status1 = in(MSR) & 0xF0;
        out(MCR, savedMcr);
        assertEquals(0x90, status1);

        // FIFO type from IIR bits 7:6 after enabling the FIFO.
        out(LCR, 0xBF);
        out(IIR_FCR, 0);                      // the EFR write of a 16650 is an FCR write here
        out(LCR, 0);
        out(IIR_FCR, 0x01);
        assertEquals(3, in(IIR_FCR) >> 6, "16550A");

        // No EFR behind DLAB or LCR 0xBF: offset 2 still reads IIR, never 0.
        out(LCR, 0x80);
        assertNotEquals(0, in(IIR_FCR));
        out(LCR, 0xBF);
        assertNotEquals(0, in(IIR_FCR));

        // Not a National Semiconductor SuperIO: toggling MCR loopback does not show through IIR bit 4.
        out(LCR, 0);
        int mcr = in(MCR);
        out(LCR, 0xE0);
        int excr1 = in(IIR_FCR);
        assertEquals(0, (excr1 ^ mcr) & 0x10);
        out(LCR, 0);
        out(MCR, mcr ^ 0x10);
        out(LCR, 0xE0);
        excr1 = in(IIR_FCR);
        out(LCR, 0);
        out(MCR, mcr);
        assertEquals(0, (excr1 ^ mcr) & 0x10, "not an NS16550A");

        // Not a TI16750: no 64-byte FIFO bit, with or without DLAB.
        out(IIR_FCR, 0x21);
        assertEquals(0xC0, in(IIR_FCR) & 0xE0);
        out(IIR_FCR, 0x01);
        out(LCR, 0x80);
        out(IIR_FCR, 0x21);
        assertEquals(0xC0, in(IIR_FCR) & 0xE0);
        out(IIR_FCR, 0x01);
        out(LCR, 0x03);

        // THRE test: a real 16550 re-asserts THR empty each time THRI is enabled.
        assertEquals(0x20, in(LSR) & 0x20);
        out(IER, 0x02);
        int iir1 = in(IIR_FCR);
        out(IER, 0);
        out(IER, 0x02);
        int iir = in(IIR_FCR);
        out(IER, 0);
        assertEquals(0, iir1 & 0x01);
        assertEquals(0, iir & 0x01, "no UART_BUG_THRE workaround needed");
        assertEquals("", console.snapshot(), "probing transmitted nothing");
    }

    @Test
    void saveAndRestoreKeepRegistersAndUnreadInput() {
        out(LCR, 0x83);
        out(DATA, 0x01);
        out(LCR, 0x03);
        out(IER, 0x01);
        out(IIR_FCR, 0x01);
        out(7, 0x5A);
        uart.enqueueInput(new byte[] {'a', 'b', 'c'});
        in(DATA);

        Serial8250State state = uart.save();
        assertArrayEquals(new byte[] {'b', 'c'}, state.receiveFifo());

        var restored = Serial8250.restore(state, IrqTrigger.NONE, ConsoleSink.inMemory(), SerialEvents.NONE);
        assertEquals(state, restored.save());
        assertEquals(1, restored.divisor());
        assertTrue(restored.interruptAsserted(), "received data with RDI enabled");
        byte[] data = new byte[1];
        restored.read(DATA, data);
        assertEquals('b', data[0]);
        assertEquals(Serial8250.RX_FIFO_SIZE - 1, restored.inputSpace());
    }

    @Test
    void corruptStateIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Serial8250State(12, 0, 0x100, false, 3, 8, false,
                0xB0, 0, false, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new Serial8250State(12, 0, 0, false, 3, 8, false,
                0xB0, 0, false, new byte[Serial8250.RX_FIFO_SIZE + 1]));
    }
}
