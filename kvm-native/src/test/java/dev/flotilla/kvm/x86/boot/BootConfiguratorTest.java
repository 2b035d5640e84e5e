package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import dev.flotilla.kvm.x86.Regs;
import dev.flotilla.kvm.x86.Sregs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** Byte-checks what the configurator leaves in guest RAM, at the offsets of zero-page.rst / boot.rst. */
class BootConfiguratorTest {

    static final long MIB = 1L << 20;
    static final long ZP = 0x7000;
    @TempDir Path dir;
    final HeapGuestMemory mem = HeapGuestMemory.ofSize(128 * MIB);

    private KernelImage elfKernel(boolean pvh) throws Exception {
        var elf = new TestImages.Elf().seg(0x100_0000, TestImages.pattern(0x4000, 1), 0x10_0000);
        elf.entry = 0x100_0100;
        if (pvh) elf.pvhEntry = 0x100_0200L;
        return KernelLoader.load(mem, TestImages.write(dir, "vmlinux", elf.build()));
    }

    private BootSpec spec(KernelImage k, String cmdline, int vcpus, BootProtocol p, Optional<Initrd> initrd) {
        return new BootSpec(k, initrd, cmdline, vcpus, List.of(VirtioSlot.of(0), VirtioSlot.of(1)), p);
    }

    private int u8(long a) { return mem.readU8(GuestAddress.of(a)); }
    private int u16(long a) { return mem.readU16(GuestAddress.of(a)); }
    private long u32(long a) { return mem.readU32(GuestAddress.of(a)); }
    private long u64(long a) { return mem.readU64(GuestAddress.of(a)); }

    @Test
    void elfKernelGetsASynthesizedSetupHeaderAndE820() throws Exception {
        byte[] initrd = TestImages.pattern(10_000, 9);
        String cmdline = "console=ttyS0 reboot=k panic=1";
        BootResult r = BootConfigurator.configure(mem,
                spec(elfKernel(false), cmdline, 2, BootProtocol.AUTO, Optional.of(Initrd.of(initrd))));

        assertEquals(BootProtocol.LINUX_64, r.protocol());
        assertEquals(0x100_0100, r.entry().value());
        assertEquals(cmdline + "\0", new String(mem.read(GuestAddress.of(0x20000), cmdline.length() + 1),
                StandardCharsets.US_ASCII));

        assertEquals(0xAA55, u16(ZP + 0x1fe), "boot_flag");
        assertEquals(0x53726448L, u32(ZP + 0x202), "header HdrS");
        assertEquals(0x020F, u16(ZP + 0x206), "version");
        assertEquals(0xff, u8(ZP + 0x210), "type_of_loader");
        assertEquals(0x20000, u32(ZP + 0x228), "cmd_line_ptr");
        assertEquals(cmdline.length() + 1, u32(ZP + 0x238), "cmdline_size");
        assertEquals(0x100_0000, u32(ZP + 0x230), "kernel_alignment");
        long rdImage = u32(ZP + 0x218);
        assertEquals(10_000, u32(ZP + 0x21c), "ramdisk_size");
        assertEquals(0, rdImage % 4096);
        assertEquals(128 * MIB - 12288, rdImage, "initrd at the top of RAM");
        assertArrayEquals(initrd, mem.read(GuestAddress.of(rdImage), initrd.length));
        assertEquals(0xe0000, u64(ZP + 0x070), "acpi_rsdp_addr");

        assertEquals(3, u8(ZP + 0x1e8), "e820_entries");
        long[][] e820 = {{0, 0x9fc00, 1}, {0x9fc00, 0x60400, 2}, {0x100000, 127 * MIB, 1}};
        for (int i = 0; i < 3; i++) {
            long e = ZP + 0x2d0 + 20L * i;
            assertEquals(e820[i][0], u64(e), "e820[" + i + "].addr");
            assertEquals(e820[i][1], u64(e + 8), "e820[" + i + "].size");
            assertEquals(e820[i][2], u32(e + 16), "e820[" + i + "].type");
        }
    }

    @Test
    void longModeRegistersPageTablesAndGdt() throws Exception {
        BootResult r = BootConfigurator.configure(mem, spec(elfKernel(true), "x", 1, BootProtocol.LINUX_64, Optional.empty()));
        Regs regs = r.bootRegs();
        assertEquals(0x100_0100, regs.rip);
        assertEquals(0x7000, regs.rsi);
        assertEquals(0x8ff0, regs.rsp);
        assertEquals(0x8ff0, regs.rbp);
        assertEquals(2, regs.rflags);

        Sregs s = new Sregs();
        s.apic_base = 0xfee00900L;
        r.configureSregs(s);
        assertEquals(0x9000, s.cr3);
        assertEquals(ControlBits.CR0_PE | ControlBits.CR0_PG, s.cr0);
        assertEquals(ControlBits.CR4_PAE, s.cr4);
        assertEquals(ControlBits.EFER_LME | ControlBits.EFER_LMA, s.efer);
        assertEquals(0xfee00900L, s.apic_base, "untouched");
        assertEquals(0x500, s.gdt.base);
        assertEquals(31, s.gdt.limit);
        assertEquals(0x520, s.idt.base);
        assertEquals(7, s.idt.limit);
        assertEquals(0x08, s.cs.selector);
        assertEquals(1, s.cs.l);
        assertEquals(0, s.cs.db);
        assertEquals(0xb, s.cs.type);
        assertEquals(0x10, s.ds.selector);
        assertEquals(0x10, s.ss.selector);
        assertEquals(3, s.ss.type);
        assertEquals(0x18, s.tr.selector);
        assertEquals(0xb, s.tr.type);
        assertEquals(-1, s.cs.limit, "4 GiB limit (0xffffffff)");

        // the GDT in memory is what the segment registers were decoded from
        assertEquals(0, u64(0x500));
        assertEquals(0x00af9b000000ffffL, u64(0x508));
        assertEquals(0x00cf93000000ffffL, u64(0x510));
        assertEquals(0x008f8b000000ffffL, u64(0x518));
        assertEquals(0, u64(0x520), "null IDT");

        // identity map: PML4 -> PDPT -> 4 PDs of 2 MiB pages covering 4 GiB
        assertEquals(0xa003, u64(0x9000));
        for (int i = 0; i < 4; i++) assertEquals(0xb003 + 0x1000L * i, u64(0xa000 + 8L * i));
        assertEquals(0x83, u64(0xb000));
        assertEquals((0xC000_0000L) | 0x83, u64(0xb000 + 8L * (0xC000_0000L >> 21)), "MMIO gap mapped");
        assertEquals((0xFFE0_0000L) | 0x83, u64(0xb000 + 8L * 2047));
    }

    @Test
    void autoPrefersPvhWhenTheNoteExists() throws Exception {
        byte[] initrd = TestImages.pattern(4096, 3);
        BootResult r = BootConfigurator.configure(mem,
                spec(elfKernel(true), "quiet", 1, BootProtocol.AUTO, Optional.of(Initrd.of(initrd))));
        assertEquals(BootProtocol.PVH, r.protocol());
        long si = 0x6000;
        assertEquals(0x336ec578L, u32(si));
        assertEquals(1, u32(si + 4));
        assertEquals(1, u32(si + 12), "nr_modules");
        assertEquals(0x6040, u64(si + 16), "modlist_paddr");
        assertEquals(0x20000, u64(si + 24), "cmdline_paddr");
        assertEquals(0xe0000, u64(si + 32), "rsdp_paddr");
        assertEquals(0x7000, u64(si + 40), "memmap_paddr");
        assertEquals(3, u32(si + 48), "memmap_entries");
        assertEquals(r.initrd().orElseThrow().address().value(), u64(0x6040));
        assertEquals(4096, u64(0x6048));
        assertEquals(0x100000, u64(0x7000 + 48), "memmap[2].addr");
        assertEquals(1, u32(0x7000 + 48 + 16), "memmap[2].type");
        assertEquals(2, u32(0x7000 + 24 + 16), "memmap[1] reserved");

        Regs regs = r.bootRegs();
        assertEquals(0x100_0200, regs.rip);
        assertEquals(0x6000, regs.rbx);
        assertEquals(2, regs.rflags);
        Sregs s = new Sregs();
        s.cr4 = ControlBits.CR4_PAE;
        s.efer = ControlBits.EFER_LME;
        r.configureSregs(s);
        assertEquals(ControlBits.CR0_PE, s.cr0);
        assertEquals(0, s.cr4);
        assertEquals(0, s.efer);
        assertEquals(1, s.cs.db);
        assertEquals(0, s.cs.l);
        assertEquals(-1, s.cs.limit);
        assertEquals(0x67, s.tr.limit);
        assertEquals(0x00cf9b000000ffffL, u64(0x508));
    }

    @Test
    void pvhRequestedWithoutNoteIsAnError() throws Exception {
        KernelImage k = elfKernel(false);
        String m = assertThrows(BootException.class,
                () -> BootConfigurator.configure(mem, spec(k, "", 1, BootProtocol.PVH, Optional.empty()))).getMessage();
        assertTrue(m.contains("has no PVH entry"), m);
    }

    @Test
    void bzImageHeaderIsCopiedAndLoaderFieldsFilled() throws Exception {
        var bz = new TestImages.BzImage();
        bz.cmdlineSize = 100;
        KernelImage k = KernelLoader.load(mem, TestImages.write(dir, "bzImage", bz.build()));
        BootResult r = BootConfigurator.configure(mem, spec(k, "root=/dev/vda", 1, BootProtocol.AUTO, Optional.empty()));
        assertEquals(BootProtocol.LINUX_64, r.protocol());
        assertEquals(0x100_0200, r.bootRegs().rip);
        assertEquals(100, u32(ZP + 0x238), "the kernel's cmdline_size is kept");
        assertEquals(0x020F, u16(ZP + 0x206));
        assertEquals(0x100_0000, u64(ZP + 0x258), "pref_address copied");
        assertEquals(0x40_0000, u32(ZP + 0x260), "init_size copied");
        assertEquals(0xff, u8(ZP + 0x210));
        assertEquals(0x20000, u32(ZP + 0x228));

        String tooLong = "x".repeat(101);
        assertTrue(assertThrows(BootException.class, () -> BootConfigurator.configure(mem,
                spec(k, tooLong, 1, BootProtocol.AUTO, Optional.empty()))).getMessage().contains("accepts at most 100"));
    }

    @Test
    void specRejectsBadInput() throws Exception {
        KernelImage k = elfKernel(false);
        assertThrows(IllegalArgumentException.class, () -> new BootSpec(k, "a".repeat(2048), 1));
        assertThrows(IllegalArgumentException.class, () -> new BootSpec(k, "", 0));
        assertThrows(IllegalArgumentException.class, () -> new BootSpec(k, "", 33));
        assertThrows(IllegalArgumentException.class, () -> new BootSpec(k, "a\0b", 1));
        assertThrows(IllegalArgumentException.class, () -> new BootSpec(k, Optional.empty(), "", 1,
                List.of(VirtioSlot.of(1), VirtioSlot.of(1)), BootProtocol.AUTO));
        new BootSpec(k, "a".repeat(2047), 1);
    }

    @Test
    void mpAndAcpiTablesAreWritten() throws Exception {
        BootConfigurator.configure(mem, spec(elfKernel(false), "", 4, BootProtocol.AUTO, Optional.empty()));
        assertEquals("_MP_", new String(mem.read(GuestAddress.of(0x9fc00), 4), StandardCharsets.US_ASCII));
        assertEquals("RSD PTR ", new String(mem.read(GuestAddress.of(0xe0000), 8), StandardCharsets.US_ASCII));
    }
}
