/**
 * The i8042 PS/2 controller (ports 0x60/0x64, IRQ 1), kept as small as Firecracker's.
 *
 * <p>Its two jobs in a microVM: the guest's reboot path (Linux with {@code reboot=k}, and the probe
 * guest) writes 0xFE to port 0x64, which a {@link dev.flotilla.vm.devices.i8042.ResetHandler}
 * turns into the end of the VM with reason {@code reset}; and the host's "SendCtrlAltDel" action
 * queues the Ctrl-Alt-Del make codes so the guest's init can shut down cleanly.
 *
 * <p>Firecracker's model is followed (command byte read/write 0x20/0x60, output port 0xD0/0xD1,
 * every keyboard command acknowledged with 0xFA, an empty buffer reads 0, Ctrl-Alt-Del in scancode
 * set 2: 0x14, 0x11, 0xE0 0x71) and completed where Linux's drivers probe: self-test 0xAA answers
 * 0x55, interface test 0xAB answers 0x00, enable/disable keyboard and aux update the command byte,
 * keyboard reset answers 0xFA 0xAA, get-ID answers 0xFA 0xAB 0x83, every even pulse command
 * 0xF0..0xFE resets, and with translation on (command byte bit 6) Ctrl-Alt-Del is sent in set 1
 * (0x1D, 0x38, 0xE0 0x53). There is no mouse: the kernel should be booted with
 * {@code i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd}, as Firecracker recommends.
 *
 * <p>The interrupt is raised for any byte in the output buffer while the command byte enables it
 * (controller replies included, as on hardware and in QEMU; Firecracker only raises it for keyboard
 * bytes).
 *
 * <p>Snapshots: {@code save()} gives an {@link dev.flotilla.vm.devices.i8042.I8042State};
 * {@code I8042.restore(state, ...)} rebuilds the controller without signalling a reset twice.
 */
package dev.flotilla.vm.devices.i8042;
