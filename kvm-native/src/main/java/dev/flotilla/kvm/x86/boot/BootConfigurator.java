package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.x86.acpi.AcpiTables;
import dev.flotilla.kvm.x86.mptable.MpTable;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Writes everything a loaded kernel needs to boot into guest RAM — command line, initrd, MP table, ACPI
 * tables, then either the zero page + GDT + identity page tables (Linux 64-bit) or the PVH start info +
 * flat 32-bit GDT — and returns the per-vCPU register set-up. Stateless; call once per VM, on fresh memory.
 */
public final class BootConfigurator {

    private BootConfigurator() {}

    public static BootResult configure(GuestMemory mem, BootSpec spec) throws BootException {
        long lowEnd = MemoryLayout.lowRamEnd(mem.regions());
        if (lowEnd < MemoryLayout.HIMEM_START) {
            throw new BootException("guest RAM must start at 0 and cover the first MiB (boot structures);"
                    + " the memory regions given are " + mem.regions());
        }
        KernelImage kernel = spec.kernel();
        BootProtocol protocol = resolve(spec.protocol(), kernel);
        boolean synthesized = kernel.setupHeader().isEmpty();
        SetupHeader header = kernel.setupHeader().orElseGet(SetupHeader::synthesized);

        byte[] cmdline = (spec.cmdline() + '\0').getBytes(StandardCharsets.UTF_8);
        if (protocol == BootProtocol.LINUX_64 && !synthesized && cmdline.length - 1 > header.cmdlineSize()) {
            throw new BootException("kernel command line is %d bytes but kernel %s accepts at most %d; shorten it"
                    .formatted(cmdline.length - 1, kernel.path(), header.cmdlineSize()));
        }
        mem.write(MemoryLayout.CMDLINE_START, cmdline);

        Optional<LoadedInitrd> initrd = Optional.empty();
        if (spec.initrd().isPresent()) {
            initrd = Optional.of(InitrdLoader.load(mem, spec.initrd().get(), kernel, header.initrdAddrMax()));
        }

        MpTable.write(mem, spec.vcpuCount());
        GuestAddress rsdp = AcpiTables.write(mem, spec.vcpuCount(), spec.slots());
        List<E820Entry> e820 = E820Map.build(mem.regions());
        mem.writeU64(MemoryLayout.IDT_START, 0);

        GuestAddress entry;
        if (protocol == BootProtocol.PVH) {
            PvhStartInfo.write(mem, MemoryLayout.CMDLINE_START, initrd, e820, rsdp);
            Gdt.write(mem, Gdt.PROTECTED_32);
            entry = kernel.pvhEntry().orElseThrow();
        } else {
            BootParams.write(mem, header, synthesized, MemoryLayout.CMDLINE_START, cmdline.length, initrd, e820, rsdp);
            Gdt.write(mem, Gdt.LONG_MODE);
            PageTables.write(mem);
            entry = kernel.entry64();
        }
        return new BootResult(protocol, entry, rsdp, initrd);
    }

    static BootProtocol resolve(BootProtocol wanted, KernelImage kernel) throws BootException {
        return switch (wanted) {
            case AUTO -> kernel.supportsPvh() ? BootProtocol.PVH : BootProtocol.LINUX_64;
            case LINUX_64 -> BootProtocol.LINUX_64;
            case PVH -> {
                if (!kernel.supportsPvh()) {
                    throw new BootException(("kernel image %s has no PVH entry (Xen PHYS32_ENTRY ELF note);"
                            + " boot it with the Linux 64-bit protocol or AUTO").formatted(kernel.path()));
                }
                yield BootProtocol.PVH;
            }
        };
    }
}
