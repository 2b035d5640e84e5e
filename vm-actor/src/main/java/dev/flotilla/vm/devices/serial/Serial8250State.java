package dev.flotilla.vm.devices.serial;

import java.util.Arrays;

/**
 * A {@link Serial8250}'s registers and unread input, for snapshots: a value separate from the live
 * device, validated when built so a corrupt snapshot is refused before it reaches a guest.
 *
 * @param receiveFifo the bytes the guest has not read yet, oldest first (copied in and out)
 */
public record Serial8250State(int divisorLow, int divisorHigh, int ier, boolean fifoEnabled, int lcr, int mcr,
                              boolean overrun, int msr, int scratch, boolean thrPending, byte[] receiveFifo) {

    public Serial8250State {
        checkByte("divisorLow", divisorLow);
        checkByte("divisorHigh", divisorHigh);
        checkByte("ier", ier);
        checkByte("lcr", lcr);
        checkByte("mcr", mcr);
        checkByte("msr", msr);
        checkByte("scratch", scratch);
        if (receiveFifo == null || receiveFifo.length > Serial8250.RX_FIFO_SIZE) {
            throw new IllegalArgumentException("Serial8250State: receive FIFO of "
                    + (receiveFifo == null ? "null" : receiveFifo.length + " bytes")
                    + " does not fit the UART's " + Serial8250.RX_FIFO_SIZE + "; the snapshot is corrupt");
        }
        receiveFifo = receiveFifo.clone();
    }

    @Override
    public byte[] receiveFifo() {
        return receiveFifo.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Serial8250State s && divisorLow == s.divisorLow && divisorHigh == s.divisorHigh
                && ier == s.ier && fifoEnabled == s.fifoEnabled && lcr == s.lcr && mcr == s.mcr
                && overrun == s.overrun && msr == s.msr && scratch == s.scratch && thrPending == s.thrPending
                && Arrays.equals(receiveFifo, s.receiveFifo);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hash(divisorLow, divisorHigh, ier, fifoEnabled, lcr, mcr, overrun, msr,
                scratch, thrPending) + Arrays.hashCode(receiveFifo);
    }

    private static void checkByte(String name, int value) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException("Serial8250State: " + name + " = " + value
                    + " is not a byte register value; the snapshot is corrupt");
        }
    }
}
