package dev.flotilla.vm.devices.serial;

import dev.flotilla.vm.bus.BusDevice;
import dev.flotilla.vm.bus.IrqTrigger;
import dev.flotilla.vm.console.ConsoleSink;
import java.util.Arrays;
import java.util.Objects;

/**
 * A 16550A UART, as Linux's 8250 driver and the probe guest see it on COM1.
 *
 * <p>Transmission is instantaneous: a byte written to THR goes straight to the {@link ConsoleSink}
 * (or, in loopback, into the receive FIFO), so THR and the transmitter are always empty. Host input
 * goes through {@link #enqueueInput} into a 64-byte receive FIFO that refuses what does not fit.
 * The interrupt output is a level computed from IER and the pending conditions (priority: line
 * status, received data, THR empty, modem status) and reported to the {@link IrqTrigger} on every
 * change; a THR write drops and re-raises it, so an edge-wired line sees one edge per byte, as
 * with QEMU's model.
 *
 * <p>Threading: thread-safe. Guest register accesses (vCPU threads) and host input (any thread)
 * serialise on one private lock; the console, the trigger and the events are called under it.
 */
public final class Serial8250 implements BusDevice {

    /** COM1's base port. */
    public static final int COM1_PORT = 0x3F8;
    /** COM1's ISA interrupt. */
    public static final int COM1_IRQ = 4;
    /** Bus window size: eight byte-wide registers. */
    public static final int REGISTER_COUNT = 8;
    /** Receive FIFO capacity in bytes (the bound matters: an unbounded one was a VMM CVE). */
    public static final int RX_FIFO_SIZE = 64;

    // Register offsets.
    static final int DATA = 0;          // RBR (read) / THR (write); DLL when DLAB
    static final int IER = 1;           // DLM when DLAB
    static final int IIR_FCR = 2;
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    // IER bits.
    static final int IER_RDI = 0x01;
    static final int IER_THRI = 0x02;
    static final int IER_RLSI = 0x04;
    static final int IER_MSI = 0x08;
    static final int IER_MASK = 0x0F;

    // IIR values.
    static final int IIR_NONE = 0x01;
    static final int IIR_MSI = 0x00;
    static final int IIR_THRI = 0x02;
    static final int IIR_RDI = 0x04;
    static final int IIR_RLSI = 0x06;
    static final int IIR_FIFO_ENABLED = 0xC0;

    // FCR bits.
    static final int FCR_ENABLE = 0x01;
    static final int FCR_CLEAR_RX = 0x02;

    static final int LCR_DLAB = 0x80;

    // MCR bits.
    static final int MCR_DTR = 0x01;
    static final int MCR_RTS = 0x02;
    static final int MCR_OUT1 = 0x04;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;
    static final int MCR_MASK = 0x1F;

    // LSR bits.
    static final int LSR_DR = 0x01;
    static final int LSR_OE = 0x02;
    static final int LSR_THRE = 0x20;
    static final int LSR_TEMT = 0x40;

    // MSR bits.
    static final int MSR_DCTS = 0x01;
    static final int MSR_DDSR = 0x02;
    static final int MSR_TERI = 0x04;
    static final int MSR_DDCD = 0x08;
    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_RI = 0x40;
    static final int MSR_DCD = 0x80;
    /** Outside loopback the line is always up: carrier, data set ready, clear to send. */
    static final int MSR_LINE_UP = MSR_DCD | MSR_DSR | MSR_CTS;

    /** 115200 baud / 12 = 9600 baud, the PC BIOS default. */
    private static final int DEFAULT_DIVISOR = 12;

    private final Object lock = new Object();
    private final IrqTrigger irq;
    private final ConsoleSink console;
    private final SerialEvents events;

    private final byte[] rxFifo = new byte[RX_FIFO_SIZE];
    private int rxHead;
    private int rxCount;

    private int divisorLow = DEFAULT_DIVISOR;
    private int divisorHigh;
    private int ier;
    private boolean fifoEnabled;
    private int lcr = 0x03;            // 8N1
    private int mcr = MCR_OUT2;        // as Firecracker: the PC's IRQ gate is on from reset
    private boolean overrun;
    private int msr = MSR_LINE_UP;
    private int scratch;
    private boolean thrPending;
    private boolean irqLevel;

    public Serial8250(IrqTrigger irq, ConsoleSink console, SerialEvents events) {
        this.irq = Objects.requireNonNull(irq, "irq");
        this.console = Objects.requireNonNull(console, "console");
        this.events = Objects.requireNonNull(events, "events");
    }

    public Serial8250(IrqTrigger irq, ConsoleSink console) {
        this(irq, console, SerialEvents.NONE);
    }

    @Override
    public void read(long offset, byte[] data) {
        if (data.length != 1 || offset < 0 || offset >= REGISTER_COUNT) {
            events.invalidAccess(offset, data.length, false);
            Arrays.fill(data, (byte) 0xFF);
            return;
        }
        synchronized (lock) {
            data[0] = (byte) readRegister((int) offset);
            updateIrq();
        }
    }

    @Override
    public void write(long offset, byte[] data) {
        if (data.length != 1 || offset < 0 || offset >= REGISTER_COUNT) {
            events.invalidAccess(offset, data.length, true);
            return;
        }
        synchronized (lock) {
            writeRegister((int) offset, data[0] & 0xFF);
            updateIrq();
        }
    }

    /**
     * Offers host input (a keyboard, the API's console input) to the guest.
     *
     * @return how many leading bytes of {@code input} were accepted; the rest did not fit in the
     *     receive FIFO (or the UART is in loopback, where the serial input is disconnected) and
     *     should be offered again after {@link SerialEvents#inputDrained()}
     */
    public int enqueueInput(byte[] input) {
        Objects.requireNonNull(input, "input");
        synchronized (lock) {
            int accepted = (mcr & MCR_LOOP) != 0 ? 0 : Math.min(input.length, RX_FIFO_SIZE - rxCount);
            for (int i = 0; i < accepted; i++) {
                pushRx(input[i]);
            }
            if (accepted > 0) {
                events.received(accepted);
            }
            if (accepted < input.length) {
                events.inputRefused(input.length - accepted);
            }
            updateIrq();
            return accepted;
        }
    }

    /** Free room in the receive FIFO, in bytes. */
    public int inputSpace() {
        synchronized (lock) {
            return RX_FIFO_SIZE - rxCount;
        }
    }

    /** The programmed baud-rate divisor (115200 / divisor = baud). */
    public int divisor() {
        synchronized (lock) {
            return divisorHigh << 8 | divisorLow;
        }
    }

    /** Whether the UART is asserting its interrupt output now. */
    public boolean interruptAsserted() {
        synchronized (lock) {
            return irqLevel;
        }
    }

    /** The registers and unread input now, for a snapshot (the VM is paused, so nothing moves). */
    public Serial8250State save() {
        synchronized (lock) {
            byte[] fifo = new byte[rxCount];
            for (int i = 0; i < rxCount; i++) {
                fifo[i] = rxFifo[(rxHead + i) % RX_FIFO_SIZE];
            }
            return new Serial8250State(divisorLow, divisorHigh, ier, fifoEnabled, lcr, mcr, overrun, msr, scratch,
                    thrPending, fifo);
        }
    }

    /**
     * A UART in the saved state. The interrupt level is recomputed but not signalled: the interrupt
     * controller's own restored state already holds whatever was in flight.
     */
    public static Serial8250 restore(Serial8250State state, IrqTrigger irq, ConsoleSink console, SerialEvents events) {
        Serial8250 uart = new Serial8250(irq, console, events);
        synchronized (uart.lock) {
            uart.divisorLow = state.divisorLow();
            uart.divisorHigh = state.divisorHigh();
            uart.ier = state.ier() & IER_MASK;
            uart.fifoEnabled = state.fifoEnabled();
            uart.lcr = state.lcr();
            uart.mcr = state.mcr() & MCR_MASK;
            uart.overrun = state.overrun();
            uart.msr = state.msr();
            uart.scratch = state.scratch();
            uart.thrPending = state.thrPending();
            byte[] fifo = state.receiveFifo();
            System.arraycopy(fifo, 0, uart.rxFifo, 0, fifo.length);
            uart.rxCount = fifo.length;
            uart.irqLevel = uart.pendingInterrupt() != IIR_NONE;
        }
        return uart;
    }

    private int readRegister(int offset) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch (offset) {
            case DATA:
                return dlab ? divisorLow : popRx();
            case IER:
                return dlab ? divisorHigh : ier;
            case IIR_FCR: {
                int iir = pendingInterrupt();
                // Reading IIR is how the guest acknowledges a THR-empty interrupt.
                if (iir == IIR_THRI) {
                    thrPending = false;
                }
                return iir | (fifoEnabled ? IIR_FIFO_ENABLED : 0);
            }
            case LCR:
                return lcr;
            case MCR:
                return mcr;
            case LSR: {
                int lsr = LSR_THRE | LSR_TEMT | (rxCount > 0 ? LSR_DR : 0) | (overrun ? LSR_OE : 0);
                overrun = false;
                return lsr;
            }
            case MSR: {
                int value = msr;
                msr &= ~(MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD);
                return value;
            }
            case SCR:
                return scratch;
            default:
                throw new IllegalStateException("register offset " + offset);
        }
    }

    private void writeRegister(int offset, int value) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch (offset) {
            case DATA:
                if (dlab) {
                    divisorLow = value;
                } else {
                    transmit(value);
                }
                break;
            case IER:
                if (dlab) {
                    divisorHigh = value;
                } else {
                    int changed = (ier ^ value) & IER_THRI;
                    ier = value & IER_MASK;
                    // A 16550 raises THR-empty as soon as it is enabled while THR is empty (always, here);
                    // Linux's 8250 driver tests for exactly that at start-up.
                    if (changed != 0) {
                        thrPending = (ier & IER_THRI) != 0;
                    }
                }
                break;
            case IIR_FCR:
                fifoEnabled = (value & FCR_ENABLE) != 0;
                if ((value & FCR_CLEAR_RX) != 0) {
                    rxHead = 0;
                    rxCount = 0;
                }
                break;
            case LCR:
                lcr = value;
                break;
            case MCR:
                writeMcr(value & MCR_MASK);
                break;
            case LSR:
            case MSR:
                // Read-only status registers: a 16550 ignores writes to them.
                break;
            case SCR:
                scratch = value;
                break;
            default:
                throw new IllegalStateException("register offset " + offset);
        }
    }

    private void transmit(int value) {
        // Writing THR clears a pending THR-empty interrupt; the byte then leaves at once and THR is
        // empty again, so the interrupt line drops and rises: one edge per byte.
        thrPending = false;
        updateIrq();
        if ((mcr & MCR_LOOP) != 0) {
            if (rxCount == RX_FIFO_SIZE) {
                overrun = true;
                events.overrun();
            } else {
                pushRx((byte) value);
            }
        } else {
            console.write((byte) value);
            events.transmitted(value);
        }
        thrPending = (ier & IER_THRI) != 0;
    }

    private void writeMcr(int value) {
        mcr = value;
        int newMsr = (mcr & MCR_LOOP) != 0 ? loopbackModemStatus(mcr) : MSR_LINE_UP;
        int deltas = msr & (MSR_DCTS | MSR_DDSR | MSR_TERI | MSR_DDCD);
        int flipped = (msr ^ newMsr) & 0xF0;
        if ((flipped & MSR_CTS) != 0) {
            deltas |= MSR_DCTS;
        }
        if ((flipped & MSR_DSR) != 0) {
            deltas |= MSR_DDSR;
        }
        if ((flipped & MSR_DCD) != 0) {
            deltas |= MSR_DDCD;
        }
        // Trailing edge of ring indicator only.
        if ((msr & MSR_RI) != 0 && (newMsr & MSR_RI) == 0) {
            deltas |= MSR_TERI;
        }
        msr = newMsr | deltas;
    }

    /** In loopback the modem outputs are wired back to the modem inputs. */
    private static int loopbackModemStatus(int mcr) {
        int status = 0;
        if ((mcr & MCR_DTR) != 0) {
            status |= MSR_DSR;
        }
        if ((mcr & MCR_RTS) != 0) {
            status |= MSR_CTS;
        }
        if ((mcr & MCR_OUT1) != 0) {
            status |= MSR_RI;
        }
        if ((mcr & MCR_OUT2) != 0) {
            status |= MSR_DCD;
        }
        return status;
    }

    private int pendingInterrupt() {
        if ((ier & IER_RLSI) != 0 && overrun) {
            return IIR_RLSI;
        }
        if ((ier & IER_RDI) != 0 && rxCount > 0) {
            return IIR_RDI;
        }
        if ((ier & IER_THRI) != 0 && thrPending) {
            return IIR_THRI;
        }
        if ((ier & IER_MSI) != 0 && (msr & 0x0F) != 0) {
            return IIR_MSI;
        }
        return IIR_NONE;
    }

    private void updateIrq() {
        boolean level = pendingInterrupt() != IIR_NONE;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    private void pushRx(byte value) {
        rxFifo[(rxHead + rxCount) % RX_FIFO_SIZE] = value;
        rxCount++;
    }

    private int popRx() {
        if (rxCount == 0) {
            return 0;
        }
        int value = rxFifo[rxHead] & 0xFF;
        rxHead = (rxHead + 1) % RX_FIFO_SIZE;
        rxCount--;
        if (rxCount == 0) {
            events.inputDrained();
        }
        return value;
    }
}
