package dev.flotilla.vm.devices.i8042;

/**
 * Told when the guest pulses the CPU reset line through the i8042: the VM should end with reason
 * {@code reset} (a microVM does not reboot in place, as with Firecracker).
 *
 * <p>Called at most once per controller, on the vCPU thread that wrote the command and without the
 * controller's lock: tell an actor or set a flag, and return.
 */
@FunctionalInterface
public interface ResetHandler {

    void resetRequested();
}
