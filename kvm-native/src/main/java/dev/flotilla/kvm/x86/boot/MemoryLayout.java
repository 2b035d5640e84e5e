package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;

/**
 * The x86_64 guest-physical layout every Flotilla VM uses (Firecracker's, so guests and tools built for
 * Firecracker find things where they expect). All boot structures live in the first MiB; the kernel is
 * loaded at 1 MiB or above; the 1 GiB below 4 GiB is left for MMIO.
 */
public final class MemoryLayout {

    private MemoryLayout() {}

    public static final long KIB = 1024, MIB = 1024 * KIB, GIB = 1024 * MIB;
    public static final long PAGE_SIZE = 4 * KIB;

    public static final GuestAddress GDT_START = GuestAddress.of(0x500);
    public static final GuestAddress IDT_START = GuestAddress.of(0x520);
    public static final GuestAddress PVH_INFO_START = GuestAddress.of(0x6000);
    /** hvm_modlist_entry array for PVH (initrd), right after the 56-byte start info. */
    public static final GuestAddress PVH_MODLIST_START = GuestAddress.of(0x6040);
    /** PVH memory map: the zero page is unused under PVH, so its page holds the map (as Firecracker). */
    public static final GuestAddress PVH_MEMMAP_START = GuestAddress.of(0x7000);
    public static final GuestAddress ZERO_PAGE_START = GuestAddress.of(0x7000);
    public static final GuestAddress BOOT_STACK_POINTER = GuestAddress.of(0x8ff0);
    public static final GuestAddress PML4_START = GuestAddress.of(0x9000);
    public static final GuestAddress PDPTE_START = GuestAddress.of(0xa000);
    /** Four page directories (one per GiB of the identity map) at 0xb000..0xefff. */
    public static final GuestAddress PDE_START = GuestAddress.of(0xb000);
    public static final GuestAddress CMDLINE_START = GuestAddress.of(0x20000);
    /** Command line buffer size including the terminating NUL. */
    public static final int CMDLINE_MAX_SIZE = 2048;

    /** Start of the EBDA-like reserved area: MP table first (Linux scans the last KiB of base memory). */
    public static final GuestAddress MPTABLE_START = GuestAddress.of(0x9fc00);
    public static final long EBDA_START = 0x9fc00;
    /** ACPI tables (DSDT, FADT, MADT, XSDT) are laid out from here up to {@link #RSDP_ADDR}. */
    public static final GuestAddress ACPI_TABLES_START = GuestAddress.of(0xa0000);
    /** RSDP: inside the 0xE0000-0xFFFFF window that Linux scans when nobody tells it where the RSDP is. */
    public static final GuestAddress RSDP_ADDR = GuestAddress.of(0xe0000);
    public static final long HIMEM_START = MIB;

    /** Start of the 32-bit MMIO gap; RAM resumes at 4 GiB. */
    public static final long MMIO_GAP_START = 0xC000_0000L;
    public static final long MMIO_GAP_END = 4 * GIB;
    public static final long MMIO_GAP_SIZE = MMIO_GAP_END - MMIO_GAP_START;
    /** The guest writes {@code 123} here when it has booted (Firecracker's boot timer). */
    public static final GuestAddress BOOT_TIMER_ADDR = GuestAddress.of(MMIO_GAP_START);
    public static final GuestAddress VIRTIO_MMIO_START = GuestAddress.of(0xC000_1000L);
    public static final long VIRTIO_MMIO_SLOT_SIZE = 4 * KIB;
    public static final int VIRTIO_FIRST_GSI = 5;
    public static final int IRQ_MAX = 23;
    public static final int MAX_VIRTIO_SLOTS = IRQ_MAX - VIRTIO_FIRST_GSI + 1;

    public static final long IOAPIC_ADDR = 0xFEC0_0000L;
    public static final long LAPIC_ADDR = 0xFEE0_0000L;

    /**
     * Guest RAM for {@code memBytes} bytes: one region from 0 if it fits below the MMIO gap, else the
     * part below the gap plus the rest from 4 GiB.
     */
    public static List<GuestMemory.Region> ramRegions(long memBytes) {
        if (memBytes <= 0 || memBytes % PAGE_SIZE != 0) {
            throw new IllegalArgumentException(
                    "guest memory size must be a positive multiple of 4 KiB, got " + memBytes + " bytes");
        }
        List<GuestMemory.Region> regions = new ArrayList<>(2);
        if (memBytes <= MMIO_GAP_START) {
            regions.add(new GuestMemory.Region(GuestAddress.of(0), memBytes));
        } else {
            regions.add(new GuestMemory.Region(GuestAddress.of(0), MMIO_GAP_START));
            regions.add(new GuestMemory.Region(GuestAddress.of(MMIO_GAP_END), memBytes - MMIO_GAP_START));
        }
        return List.copyOf(regions);
    }

    /** The virtio-mmio slot {@code i} (0-based): its 4 KiB window and its GSI. */
    public static VirtioSlot slot(int i) {
        return VirtioSlot.of(i);
    }

    /** End (exclusive) of RAM that starts at 0 and lies below the MMIO gap: where low-memory placement stops. */
    public static long lowRamEnd(List<GuestMemory.Region> regions) {
        for (GuestMemory.Region r : regions) {
            if (r.start().value() == 0) return Math.min(r.end(), MMIO_GAP_START);
        }
        return 0;
    }
}
