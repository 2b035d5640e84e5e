/**
 * The boot timer at MMIO 0xC000_0000 (4 KiB): how a VM's boot time is measured.
 *
 * <p>The guest's first user-space step (Flotilla's initramfs {@code /init}, the probe guest) writes
 * the byte 123 to offset 0; {@link dev.flotilla.vm.devices.boottimer.BootTimer} takes
 * {@code System.nanoTime()} once and hands it to a listener, which subtracts the InstanceStart time
 * it holds. Only the first such write counts, so a guest cannot move its own boot time or flood
 * the listener (Firecracker logs every write). The time is taken on the vCPU thread at the exit,
 * before any queueing, so the figure does not include actor mailbox latency.
 */
package dev.flotilla.vm.devices.boottimer;
