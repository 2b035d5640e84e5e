package dev.flotilla.vm.devices.i8042;

import java.util.Arrays;
import java.util.Objects;

/**
 * An {@link I8042}'s state for snapshots, separate from the live controller and validated when built.
 *
 * @param pendingCommand the controller command waiting for its data byte, or -1
 * @param outputBuffer   bytes the guest has not read yet, oldest first (copied in and out)
 */
public record I8042State(int commandByte, int outputPort, int pendingCommand, boolean resetSignalled,
                         byte[] outputBuffer) {

    public I8042State {
        if (commandByte < 0 || commandByte > 0xFF || outputPort < 0 || outputPort > 0xFF
                || pendingCommand < -1 || pendingCommand > 0xFF) {
            throw new IllegalArgumentException("I8042State: command byte " + commandByte + ", output port "
                    + outputPort + " or pending command " + pendingCommand + " is not a byte; the snapshot is corrupt");
        }
        if (outputBuffer == null || outputBuffer.length > I8042.OUTPUT_BUFFER_SIZE) {
            throw new IllegalArgumentException("I8042State: output buffer of "
                    + (outputBuffer == null ? "null" : outputBuffer.length + " bytes") + " does not fit the "
                    + I8042.OUTPUT_BUFFER_SIZE + "-byte buffer; the snapshot is corrupt");
        }
        outputBuffer = outputBuffer.clone();
    }

    @Override
    public byte[] outputBuffer() {
        return outputBuffer.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof I8042State s && commandByte == s.commandByte && outputPort == s.outputPort
                && pendingCommand == s.pendingCommand && resetSignalled == s.resetSignalled
                && Arrays.equals(outputBuffer, s.outputBuffer);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(commandByte, outputPort, pendingCommand, resetSignalled)
                + Arrays.hashCode(outputBuffer);
    }
}
