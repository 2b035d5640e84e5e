package dev.flotilla.vm.devices.i8042;

import dev.flotilla.vm.bus.BusDevice;
import dev.flotilla.vm.bus.IrqTrigger;
import java.util.Arrays;
import java.util.Objects;

/**
 * The PS/2 controller at ports 0x60 (data) and 0x64 (status / command), modelled as far as a
 * microVM needs: the guest resets (ends) the VM with command 0xFE, the host sends Ctrl-Alt-Del,
 * and Linux's i8042 and atkbd drivers find a controller and a keyboard that answer.
 *
 * <p>Mapped as one 5-port window at 0x60: offset 0 is data, offset 4 status/command; offsets 1-3
 * (port 0x61..0x63) are not ours and count as missed accesses. The interrupt (IRQ 1) is a level,
 * "output buffer full and keyboard interrupt enabled in the command byte", reported on every change;
 * each data read drops it and, if more bytes wait, raises it again, so an edge-wired line sees one
 * edge per byte, as Linux's handler (one byte per interrupt) expects.
 *
 * <p>Threading: thread-safe; guest accesses and {@link #sendCtrlAltDel()} serialise on one private
 * lock. The {@link ResetHandler} is called without it.
 */
public final class I8042 implements BusDevice {

    /** Base port of the window (the data port). */
    public static final int BASE_PORT = 0x60;
    /** Window size: ports 0x60..0x64. */
    public static final int PORT_COUNT = 5;
    /** The keyboard's ISA interrupt. */
    public static final int KEYBOARD_IRQ = 1;
    /** Output buffer capacity; the controller's own is one byte, the rest stands in for the keyboard's. */
    public static final int OUTPUT_BUFFER_SIZE = 16;

    static final int OFFSET_DATA = 0;
    static final int OFFSET_STATUS = 4;

    // Controller commands (written to 0x64).
    static final int CMD_READ_COMMAND_BYTE = 0x20;
    static final int CMD_WRITE_COMMAND_BYTE = 0x60;
    static final int CMD_DISABLE_AUX = 0xA7;
    static final int CMD_ENABLE_AUX = 0xA8;
    static final int CMD_SELF_TEST = 0xAA;
    static final int CMD_KEYBOARD_INTERFACE_TEST = 0xAB;
    static final int CMD_DISABLE_KEYBOARD = 0xAD;
    static final int CMD_ENABLE_KEYBOARD = 0xAE;
    static final int CMD_READ_OUTPUT_PORT = 0xD0;
    static final int CMD_WRITE_OUTPUT_PORT = 0xD1;
    static final int CMD_WRITE_KEYBOARD_OUTPUT = 0xD2;
    static final int CMD_PULSE_RESET = 0xFE;

    static final int SELF_TEST_PASSED = 0x55;
    static final int INTERFACE_TEST_PASSED = 0x00;

    // Keyboard commands and replies (written to / read from 0x60).
    static final int KBD_RESET = 0xFF;
    static final int KBD_GET_ID = 0xF2;
    static final int KBD_ACK = 0xFA;
    static final int KBD_SELF_TEST_PASSED = 0xAA;

    // Status register bits.
    static final int STATUS_OUTPUT_FULL = 0x01;
    static final int STATUS_SYSTEM_FLAG = 0x04;
    static final int STATUS_EXPECTING_PARAMETER = 0x08;
    static final int STATUS_KEYBOARD_UNLOCKED = 0x10;

    // Command byte bits.
    static final int CB_KEYBOARD_INTERRUPT = 0x01;
    static final int CB_SYSTEM_FLAG = 0x04;
    static final int CB_KEYBOARD_DISABLED = 0x10;
    static final int CB_AUX_DISABLED = 0x20;
    static final int CB_TRANSLATE = 0x40;

    /** Ctrl, Alt, Delete make codes in scancode set 2, which the keyboard sends untranslated. */
    static final byte[] CTRL_ALT_DEL_SET2 = {0x14, 0x11, (byte) 0xE0, 0x71};
    /** The same keys in set 1, what the controller delivers when translation is on. */
    static final byte[] CTRL_ALT_DEL_SET1 = {0x1D, 0x38, (byte) 0xE0, 0x53};

    private final Object lock = new Object();
    private final IrqTrigger irq;
    private final ResetHandler resetHandler;
    private final I8042Events events;

    private final byte[] output = new byte[OUTPUT_BUFFER_SIZE];
    private int outputHead;
    private int outputCount;

    /** As Firecracker: keyboard interrupt on, POST passed, no translation. */
    private int commandByte = CB_KEYBOARD_INTERRUPT | CB_SYSTEM_FLAG;
    private int outputPort;
    private int pendingCommand = -1;
    private boolean irqLevel;
    private boolean resetSignalled;

    public I8042(IrqTrigger irq, ResetHandler resetHandler, I8042Events events) {
        this.irq = Objects.requireNonNull(irq, "irq");
        this.resetHandler = Objects.requireNonNull(resetHandler, "resetHandler");
        this.events = Objects.requireNonNull(events, "events");
    }

    public I8042(IrqTrigger irq, ResetHandler resetHandler) {
        this(irq, resetHandler, I8042Events.NONE);
    }

    @Override
    public void read(long offset, byte[] data) {
        if (data.length != 1 || (offset != OFFSET_DATA && offset != OFFSET_STATUS)) {
            events.missedRead(offset, data.length);
            Arrays.fill(data, (byte) 0xFF);
            return;
        }
        synchronized (lock) {
            if (offset == OFFSET_STATUS) {
                data[0] = (byte) status();
                return;
            }
            // An empty buffer reads as 0, as Firecracker's does.
            data[0] = outputCount == 0 ? 0 : pop();
            // The byte was taken: the line falls; the next byte, if any, raises it again.
            if (irqLevel) {
                irqLevel = false;
                irq.set(false);
            }
            updateIrq();
        }
    }

    @Override
    public void write(long offset, byte[] data) {
        if (data.length != 1 || (offset != OFFSET_DATA && offset != OFFSET_STATUS)) {
            events.missedWrite(offset, data.length);
            return;
        }
        boolean resetNow;
        synchronized (lock) {
            int value = data[0] & 0xFF;
            resetNow = offset == OFFSET_STATUS ? command(value) : dataWrite(value);
            updateIrq();
        }
        if (resetNow) {
            resetHandler.resetRequested();
        }
    }

    /**
     * Queues the Ctrl-Alt-Del make codes for the guest and raises IRQ 1 (if the guest enabled it):
     * scancode set 2 as Firecracker sends them, or set 1 when the guest turned on translation.
     *
     * @return false, queueing nothing, when the output buffer lacks room for all four bytes
     */
    public boolean sendCtrlAltDel() {
        synchronized (lock) {
            byte[] codes = (commandByte & CB_TRANSLATE) != 0 ? CTRL_ALT_DEL_SET1 : CTRL_ALT_DEL_SET2;
            if (OUTPUT_BUFFER_SIZE - outputCount < codes.length) {
                return false;
            }
            for (byte code : codes) {
                push(code);
            }
            updateIrq();
            return true;
        }
    }

    /** Whether the guest has asked for a reset. */
    public boolean resetRequested() {
        synchronized (lock) {
            return resetSignalled;
        }
    }

    /** The command byte (controller configuration) as the guest last set it. */
    public int commandByte() {
        synchronized (lock) {
            return commandByte;
        }
    }

    /** The controller's state now, for a snapshot. */
    public I8042State save() {
        synchronized (lock) {
            byte[] buffer = new byte[outputCount];
            for (int i = 0; i < outputCount; i++) {
                buffer[i] = output[(outputHead + i) % OUTPUT_BUFFER_SIZE];
            }
            return new I8042State(commandByte, outputPort, pendingCommand, resetSignalled, buffer);
        }
    }

    /**
     * A controller in the saved state. The interrupt level is recomputed but not signalled (the
     * interrupt controller's restored state holds what was in flight); a reset already signalled
     * before the snapshot is not signalled again.
     */
    public static I8042 restore(I8042State state, IrqTrigger irq, ResetHandler resetHandler, I8042Events events) {
        I8042 i8042 = new I8042(irq, resetHandler, events);
        synchronized (i8042.lock) {
            i8042.commandByte = state.commandByte();
            i8042.outputPort = state.outputPort();
            i8042.pendingCommand = state.pendingCommand();
            i8042.resetSignalled = state.resetSignalled();
            byte[] buffer = state.outputBuffer();
            System.arraycopy(buffer, 0, i8042.output, 0, buffer.length);
            i8042.outputCount = buffer.length;
            i8042.irqLevel = i8042.outputCount > 0 && (i8042.commandByte & CB_KEYBOARD_INTERRUPT) != 0;
        }
        return i8042;
    }

    /** @return true if this command asked for a reset for the first time */
    private boolean command(int cmd) {
        pendingCommand = -1;
        switch (cmd) {
            case CMD_READ_COMMAND_BYTE -> reply(commandByte);
            case CMD_WRITE_COMMAND_BYTE, CMD_WRITE_OUTPUT_PORT, CMD_WRITE_KEYBOARD_OUTPUT -> pendingCommand = cmd;
            case CMD_DISABLE_AUX -> commandByte |= CB_AUX_DISABLED;
            case CMD_ENABLE_AUX -> commandByte &= ~CB_AUX_DISABLED;
            case CMD_SELF_TEST -> {
                commandByte |= CB_SYSTEM_FLAG;
                reply(SELF_TEST_PASSED);
            }
            case CMD_KEYBOARD_INTERFACE_TEST -> reply(INTERFACE_TEST_PASSED);
            case CMD_DISABLE_KEYBOARD -> commandByte |= CB_KEYBOARD_DISABLED;
            case CMD_ENABLE_KEYBOARD -> commandByte &= ~CB_KEYBOARD_DISABLED;
            case CMD_READ_OUTPUT_PORT -> reply(outputPort);
            default -> {
                // 0xF0..0xFF pulse output-port lines low for a moment; line 0 is the CPU reset.
                if ((cmd & 0xF0) == 0xF0) {
                    if ((cmd & 0x01) == 0) {
                        return pulseReset();
                    }
                } else {
                    events.unknownCommand(cmd);
                }
            }
        }
        return false;
    }

    private boolean pulseReset() {
        events.resetPulsed();
        if (resetSignalled) {
            return false;
        }
        resetSignalled = true;
        return true;
    }

    private boolean dataWrite(int value) {
        int cmd = pendingCommand;
        pendingCommand = -1;
        switch (cmd) {
            case CMD_WRITE_COMMAND_BYTE -> commandByte = value;
            case CMD_WRITE_OUTPUT_PORT -> outputPort = value;
            case CMD_WRITE_KEYBOARD_OUTPUT -> reply(value);
            default -> keyboardCommand(value);
        }
        return false;
    }

    /** A byte for the keyboard itself: a simple MF2 keyboard acknowledges everything. */
    private void keyboardCommand(int value) {
        flush();
        push((byte) KBD_ACK);
        if (value == KBD_RESET) {
            push((byte) KBD_SELF_TEST_PASSED);
        } else if (value == KBD_GET_ID) {
            push((byte) 0xAB);
            push((byte) 0x83);
        }
    }

    /** A controller reply replaces anything unread, so the guest's next data read gets it. */
    private void reply(int value) {
        flush();
        push((byte) value);
    }

    private int status() {
        int status = STATUS_KEYBOARD_UNLOCKED;
        if (outputCount > 0) {
            status |= STATUS_OUTPUT_FULL;
        }
        if ((commandByte & CB_SYSTEM_FLAG) != 0) {
            status |= STATUS_SYSTEM_FLAG;
        }
        if (pendingCommand >= 0) {
            status |= STATUS_EXPECTING_PARAMETER;
        }
        return status;
    }

    private void updateIrq() {
        boolean level = outputCount > 0 && (commandByte & CB_KEYBOARD_INTERRUPT) != 0;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    private void push(byte value) {
        if (outputCount == OUTPUT_BUFFER_SIZE) {
            events.outputOverflow(1);
            return;
        }
        output[(outputHead + outputCount) % OUTPUT_BUFFER_SIZE] = value;
        outputCount++;
    }

    private byte pop() {
        byte value = output[outputHead];
        outputHead = (outputHead + 1) % OUTPUT_BUFFER_SIZE;
        outputCount--;
        return value;
    }

    private void flush() {
        outputHead = 0;
        outputCount = 0;
    }
}
