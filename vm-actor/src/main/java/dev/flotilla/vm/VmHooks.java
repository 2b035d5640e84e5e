package dev.flotilla.vm;

/**
 * Callbacks from a VM's devices to its {@link MicroVm}, invoked on vCPU threads while they answer an
 * exit. Implementations only enqueue a message: they never block a vCPU.
 */
public interface VmHooks {
    /** The guest pulsed the reset line (i8042 command 0xFE). */
    void guestReset();

    /** The guest wrote the boot-timer byte; {@code nanoTime} is {@link System#nanoTime()} at the write. */
    void bootTimerFired(long nanoTime);
}
