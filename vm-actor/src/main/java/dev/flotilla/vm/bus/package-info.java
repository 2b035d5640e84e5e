/**
 * The address spaces a vCPU's I/O exits are answered from.
 *
 * <p>Each VM has two {@link dev.flotilla.vm.bus.Bus}es: port I/O (COM1 at 0x3F8, the i8042 at
 * 0x60..0x64) and MMIO (the boot timer at 0xC000_0000, virtio-mmio slots after it). A bus is built
 * once before the vCPUs start and never changes, so vCPU threads look devices up without locks:
 * a binary search over a sorted array of bases, no allocation. Overlapping windows are a wiring
 * bug and are refused at build time, naming both devices.
 *
 * <p>Devices ({@link dev.flotilla.vm.bus.BusDevice}) are plain register state machines, as in
 * rust-vmm's vm-superio: they are called on the vCPU thread, do their own locking (several vCPUs
 * may hit one device), never block, and raise interrupts through an
 * {@link dev.flotilla.vm.bus.IrqTrigger} the VM wires to KVM (irqfd) — which keeps every device
 * testable without KVM.
 *
 * <p>Unmapped accesses: {@code read}/{@code write} return false and the caller counts or logs
 * them. Firecracker ignores the bus result and leaves the exit's data area untouched, so a guest's
 * {@code in} from an unmapped port sees whatever the previous I/O exit left in the shared kvm_run
 * page. That is not a behaviour worth copying; this bus fills unmapped reads with 0xFF instead,
 * which is what an open ISA/PCI bus returns on real hardware and what QEMU answers, and which
 * Linux's probes for absent UARTs (COM2-4) read as "no device".
 */
package dev.flotilla.vm.bus;
