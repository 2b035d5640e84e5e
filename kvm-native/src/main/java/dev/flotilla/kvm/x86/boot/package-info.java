/**
 * x86_64 boot of a Firecracker-style microVM, pure Java over {@link dev.flotilla.kvm.memory.GuestMemory}.
 *
 * <p>Two steps, kept apart as in rust-vmm's linux-loader: {@link dev.flotilla.kvm.x86.boot.KernelLoader}
 * puts a kernel (ELF vmlinux or bzImage) into guest RAM and reports a
 * {@link dev.flotilla.kvm.x86.boot.KernelImage}; {@link dev.flotilla.kvm.x86.boot.BootConfigurator} then
 * writes the command line, initrd, MP and ACPI tables and either the zero page + long-mode GDT + identity
 * page tables (Linux 64-bit protocol) or the PVH start info + flat 32-bit GDT, and returns a
 * {@link dev.flotilla.kvm.x86.boot.BootResult} with the registers, MSRs and LAPIC set-up each vCPU needs.
 * The layout is {@link dev.flotilla.kvm.x86.boot.MemoryLayout} (Firecracker's).
 *
 * <p>Kernel images and initrds are user input: every header field is bounds-checked before use and a bad
 * image fails with a {@link dev.flotilla.kvm.x86.boot.KernelLoadException} that names the file, the
 * faulty structure and what to do. Nothing here calls native code; the ioctl layer in
 * {@code dev.flotilla.kvm} hands these values to KVM.
 */
package dev.flotilla.kvm.x86.boot;
