package dev.flotilla.vm.devices.serial;

import dev.flotilla.vm.bus.RecordingIrq;
import static dev.flotilla.vm.devices.serial.Serial8250.DATA;
import static dev.flotilla.vm.devices.serial.Serial8250.IER;
import static dev.flotilla.vm.devices.serial.Serial8250.IIR_FCR;
import static dev.flotilla.vm.devices.serial.Serial8250.LCR;
import static dev.flotilla.vm.devices.serial.Serial8250.LSR;
import static dev.flotilla.vm.devices.serial.Serial8250.MCR;
import static dev.flotilla.vm.devices.serial.Serial8250.MSR;
import static dev.flotilla.vm.devices.serial.Serial8250.SCR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.vm.console.ConsoleSink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class Serial8250Test {

    private RecordingIrq irq;
    private ConsoleSink console;
    private final List<String> events = new ArrayList<>();
    private Serial8250 uart;

    @BeforeEach
    void setUp() {
        irq = new RecordingIrq();
        console = ConsoleSink.inMemory();
        uart = new Serial8250(irq, console, new SerialEvents() {
            @Override
            public void inputDrained() {
                events.add("drained");
            }

            @Override
            public void inputRefused(int count) {
                events.add("refused " + count);
            }

            @Override
            public void overrun() {
                events.add("overrun");
            }

            @Override
            public void invalidAccess(long offset, int width, boolean write) {
                events.add((write ? "write " : "read ") + offset + "/" + width);
            }
        });
    }

    private int in(int offset) {
        byte[] data = new byte[1];
        uart.read(offset, data);
        return data[0] & 0xFF;
    }

    private void out(int offset, int value) {
        uart.write(offset, new byte[] {(byte) value});
    }

    @Test
    void registersStartAsAnIdle16550() {
        assertEquals(0x60, in(LSR), "THR empty and transmitter empty, no data");
        assertEquals(0x01, in(IIR_FCR), "no interrupt pending, FIFO off");
        assertEquals(0xB0, in(MSR), "carrier, DSR, CTS up");
        assertEquals(0x03, in(LCR));
        assertEquals(0x08, in(MCR));
        assertEquals(0x00, in(IER));
        assertEquals(12, uart.divisor());
        assertFalse(uart.interruptAsserted());
    }

    @Test
    void transmittedBytesReachTheConsole() throws Exception {
        for (byte b : "hello\r\n".getBytes()) {
            out(DATA, b);
        }
        assertEquals("hello\r\n", console.snapshot());
        assertEquals("hello", console.awaitLine(line -> true).get());
    }

    @Test
    void dlabSwitchesTheFirstTwoRegistersToTheDivisorLatch() {
        out(IER, 0x05);
        out(LCR, 0x83);                      // DLAB + 8N1
        out(DATA, 0x01);                     // DLL: 115200 baud
        out(IER, 0x00);                      // DLM
        assertEquals(0x01, in(DATA));
        assertEquals(0x00, in(IER));
        assertEquals(1, uart.divisor());
        assertEquals("", console.snapshot(), "a DLL write is not a transmitted byte");

        out(LCR, 0x03);
        assertEquals(0x05, in(IER), "IER untouched by the DLM write");
        out(DATA, 'A');
        assertEquals("A", console.snapshot());
        assertEquals(1, uart.divisor());
    }

    @Test
    void ierKeepsOnlyItsFourDefinedBitsAsLinuxProbes() {
        out(IER, 0x00);
        assertEquals(0x00, in(IER));
        out(IER, 0xFF);
        assertEquals(0x0F, in(IER));
    }

    @Test
    void loopbackWiresModemOutputsBackAsLinuxProbes() {
        out(MCR, 0x10 | 0x0A);               // LOOP | OUT2 | RTS, what serial8250 autoconfig writes
        assertEquals(0x90, in(MSR) & 0xF0);   // DCD | CTS
        out(MCR, 0x10 | 0x05);               // LOOP | OUT1 | DTR
        assertEquals(0x60, in(MSR) & 0xF0);   // RI | DSR
        out(MCR, 0x08);
        assertEquals(0xB0, in(MSR) & 0xF0);
    }

    @Test
    void loopbackSendsTransmittedBytesToTheReceiverNotTheConsole() {
        out(MCR, 0x10);
        out(DATA, 0x5A);
        assertEquals(0x61, in(LSR), "data ready");
        assertEquals(0x5A, in(DATA));
        assertEquals("", console.snapshot());
        assertEquals(0, uart.enqueueInput(new byte[] {1}), "serial input is disconnected in loopback");
    }

    @Test
    void receiveFifoHoldsSixtyFourBytesAndRefusesTheRest() {
        byte[] input = new byte[100];
        for (int i = 0; i < input.length; i++) {
            input[i] = (byte) i;
        }
        assertEquals(64, uart.enqueueInput(input));
        assertEquals(0, uart.inputSpace());
        assertEquals(0, uart.enqueueInput(new byte[] {1}));
        assertEquals(List.of("refused 36", "refused 1"), events);

        for (int i = 0; i < 64; i++) {
            assertEquals(0x01, in(LSR) & 0x01);
            assertEquals(i, in(DATA));
        }
        assertEquals(0x00, in(LSR) & 0x01);
        assertEquals(64, uart.inputSpace());
        assertEquals("drained", events.get(events.size() - 1));
        assertEquals(0, in(DATA), "an empty receiver reads 0");
    }

    @Test
    void receivedDataRaisesTheInterruptOnlyWhenEnabled() {
        uart.enqueueInput(new byte[] {'x'});
        assertFalse(uart.interruptAsserted());
        assertEquals(0, irq.pulses);
        assertEquals(0x01, in(IIR_FCR));

        out(IER, 0x01);
        assertTrue(uart.interruptAsserted(), "enabling with data waiting raises it");
        assertEquals(1, irq.pulses);
        assertEquals(0x04, in(IIR_FCR));
        assertEquals('x', in(DATA));
        assertFalse(uart.interruptAsserted());
        assertEquals(0x01, in(IIR_FCR));

        uart.enqueueInput(new byte[] {'y', 'z'});
        assertEquals(2, irq.pulses, "one edge for the batch");
        in(DATA);
        assertTrue(uart.interruptAsserted(), "still data");
        in(DATA);
        assertFalse(uart.interruptAsserted());
    }

    @Test
    void thrEmptyInterruptIsRaisedOnEnableClearedByIirReadAndRaisedPerByte() {
        out(IER, 0x02);
        assertTrue(uart.interruptAsserted(), "THR is empty the moment THRI is enabled");
        assertEquals(1, irq.pulses);
        assertEquals(0x02, in(IIR_FCR));
        assertFalse(uart.interruptAsserted(), "reading IIR acknowledges THR empty");
        assertEquals(0x01, in(IIR_FCR));

        out(DATA, 'a');
        out(DATA, 'b');
        assertEquals(3, irq.pulses, "each byte sent re-raises THR empty");
        assertTrue(uart.interruptAsserted());

        out(IER, 0x00);
        assertFalse(uart.interruptAsserted());
        out(DATA, 'c');
        assertEquals(3, irq.pulses);
        assertEquals("abc", console.snapshot());
    }

    @Test
    void receivedDataOutranksThrEmpty() {
        out(IER, 0x03);
        uart.enqueueInput(new byte[] {'q'});
        assertEquals(0x04, in(IIR_FCR));
        in(DATA);
        assertEquals(0x02, in(IIR_FCR));
        assertEquals(0x01, in(IIR_FCR));
    }

    @Test
    void fcrEnablesFifoBitsInIirAndClearsTheReceiver() {
        out(IIR_FCR, 0x01);
        assertEquals(0xC1, in(IIR_FCR), "16550A: both FIFO bits set");
        uart.enqueueInput(new byte[] {1, 2, 3});
        out(IIR_FCR, 0x03);
        assertEquals(0x60, in(LSR), "receive FIFO cleared");
        assertEquals(64, uart.inputSpace());
        out(IIR_FCR, 0x00);
        assertEquals(0x01, in(IIR_FCR));
    }

    @Test
    void loopbackOverrunIsReportedInLsrAndAsALineStatusInterrupt() {
        out(MCR, 0x10);
        out(IER, 0x04);
        for (int i = 0; i < 64; i++) {
            out(DATA, i);
        }
        assertFalse(uart.interruptAsserted());
        out(DATA, 0xEE);
        assertEquals(List.of("overrun"), events);
        assertTrue(uart.interruptAsserted());
        assertEquals(0x06, in(IIR_FCR));
        assertEquals(0x63, in(LSR), "overrun + data ready");
        assertEquals(0x61, in(LSR), "reading LSR clears overrun");
        assertFalse(uart.interruptAsserted());
        assertEquals(0, in(DATA), "the oldest byte survived, the lost one did not");
    }

    @Test
    void modemStatusChangesSetDeltaBitsAndTheirInterrupt() {
        out(IER, 0x08);
        out(MCR, 0x10 | 0x02);               // loopback, RTS only: CTS stays up, DCD and DSR fall
        assertTrue(uart.interruptAsserted());
        assertEquals(0x00, in(IIR_FCR));
        int msr = in(MSR);
        assertEquals(0x10, msr & 0xF0);
        assertEquals(0x02 | 0x08, msr & 0x0F, "delta DSR and delta DCD");
        assertEquals(0x00, in(MSR) & 0x0F, "reading MSR clears the deltas");
        assertFalse(uart.interruptAsserted());

        out(MCR, 0x10 | 0x04);               // RTS off, OUT1 on: CTS falls, RI rises
        assertEquals(0x01, in(MSR) & 0x0F, "delta CTS; a rising RI is not a trailing edge");
        out(MCR, 0x10);                      // OUT1 off: RI falls
        assertEquals(0x04, in(MSR) & 0x0F, "trailing edge of RI");
    }

    @Test
    void scratchRegisterHoldsWhatWasWritten() {
        out(SCR, 0xA5);
        assertEquals(0xA5, in(SCR));
    }

    @Test
    void statusRegistersIgnoreWrites() {
        out(LSR, 0x00);
        out(MSR, 0x00);
        assertEquals(0x60, in(LSR));
        assertEquals(0xB0, in(MSR));
    }

    @Test
    void wideOrOutOfRangeAccessesAreRefusedAndReported() {
        byte[] wide = {1, 2};
        uart.read(0, wide);
        assertArrayEquals(new byte[] {-1, -1}, wide);
        uart.write(0, new byte[] {'a', 'b'});
        uart.write(8, new byte[] {'c'});
        assertEquals("", console.snapshot());
        assertEquals(List.of("read 0/2", "write 0/2", "write 8/1"), events);
    }
}
