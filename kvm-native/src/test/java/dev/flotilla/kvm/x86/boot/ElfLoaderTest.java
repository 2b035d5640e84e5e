package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class ElfLoaderTest {

    static final long MIB = 1 << 20;
    @TempDir Path dir;
    final HeapGuestMemory mem = HeapGuestMemory.ofSize(128 * MIB);

    private KernelImage load(byte[] image) throws Exception {
        return KernelLoader.load(mem, TestImages.write(dir, "vmlinux", image));
    }

    private String failure(byte[] image) {
        KernelLoadException e = assertThrows(KernelLoadException.class, () -> load(image));
        assertTrue(e.getMessage().startsWith("kernel image " + dir.resolve("vmlinux")), e.getMessage());
        return e.getMessage();
    }

    @Test
    void loadsSegmentsAtPhysicalAddressesAndZeroesBss() throws Exception {
        byte[] text = TestImages.pattern(0x2345, 1), data = TestImages.pattern(0x100, 2);
        mem.write(GuestAddress.of(0x180_0000 + 0x100), new byte[] {9, 9, 9});   // stale bytes where bss goes
        var elf = new TestImages.Elf().seg(0x100_0000, text, text.length).seg(0x180_0000, data, 0x1000);
        elf.entry = 0x100_0040;
        KernelImage k = load(elf.build());

        assertEquals(KernelImage.Format.ELF, k.format());
        assertArrayEquals(text, mem.read(GuestAddress.of(0x100_0000), text.length));
        assertArrayEquals(data, mem.read(GuestAddress.of(0x180_0000), data.length));
        assertArrayEquals(new byte[0x1000 - 0x100], mem.read(GuestAddress.of(0x180_0100), 0x1000 - 0x100));
        assertEquals(0x100_0040, k.entry64().value());
        assertEquals(0x100_0000, k.loadStart().value());
        assertEquals(0x180_1000, k.loadEnd().value());
        assertTrue(k.pvhEntry().isEmpty());
        assertTrue(k.setupHeader().isEmpty());
    }

    @Test
    void readsPvhEntryFromXenNoteOfEitherWidth() throws Exception {
        for (int width : new int[] {4, 8}) {
            var elf = new TestImages.Elf().seg(0x100_0000, TestImages.pattern(0x1000, 3), 0x1000);
            elf.pvhEntry = 0x100_0800L;
            elf.pvhDescSize = width;
            KernelImage k = load(elf.build());
            assertEquals(0x100_0800L, k.pvhEntry().orElseThrow().value(), "desc size " + width);
            assertTrue(k.supportsPvh());
        }
    }

    @Test
    void segmentPastRamNamesSegmentAndSuggestsMoreMemory() {
        var elf = new TestImages.Elf().seg(0x100_0000, new byte[16], 16).seg(0x7f0_0000, new byte[16], 0x20_0000);
        String m = failure(elf.build());
        assertTrue(m.contains("segment 1 at 0x7f00000"), m);
        assertTrue(m.contains("extends past guest RAM (128 MiB)"), m);
        assertTrue(m.contains("give the VM more memory"), m);
    }

    @Test
    void segmentInLowBootAreaIsRefused() {
        String m = failure(new TestImages.Elf().seg(0x8000, new byte[16], 16).build());
        assertTrue(m.contains("overlaps the low boot area below 1 MiB"), m);
    }

    @Test
    void hugeFileSizeIsReportedAsTruncatedNotAllocated() {
        byte[] img = new TestImages.Elf().seg(0x100_0000, new byte[16], 16).build();
        ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN).putLong(64 + 32, 0x7fff_ffff_ffffL)
                .putLong(64 + 40, 0x7fff_ffff_ffffL);
        String m = failure(img);
        assertTrue(m.contains("segment 0 claims 0x7fffffffffff bytes"), m);
    }

    @Test
    void hugeMemorySizeIsPastRam() {
        byte[] img = new TestImages.Elf().seg(0x100_0000, new byte[16], 16).build();
        ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN).putLong(64 + 40, -16L);   // wraps the address space
        String m = failure(img);
        assertTrue(m.contains("file size 0x10 larger than its memory size") || m.contains("past guest RAM"), m);
    }

    @Test
    void truncatedHeadersAreReported() {
        byte[] img = new TestImages.Elf().seg(0x100_0000, new byte[16], 16).build();
        String m = failure(Arrays.copyOf(img, 40));
        assertTrue(m.contains("truncated: the ELF header needs 64 bytes"), m);
        m = failure(Arrays.copyOf(img, 90));
        assertTrue(m.contains("truncated: the program header table"), m);
    }

    @Test
    void wrongClassMachineAndCountsAreRefused() {
        byte[] img = new TestImages.Elf().seg(0x100_0000, new byte[16], 16).build();
        byte[] c32 = img.clone();
        c32[4] = 1;
        assertTrue(failure(c32).contains("32-bit ELF"));
        var arm = new TestImages.Elf().seg(0x100_0000, new byte[16], 16);
        arm.machine = 183;
        assertTrue(failure(arm.build()).contains("ELF machine 183 is not x86_64"));
        byte[] many = img.clone();
        ByteBuffer.wrap(many).order(ByteOrder.LITTLE_ENDIAN).putShort(56, (short) 0xffff);
        assertTrue(failure(many).contains("65535 program headers"));
    }

    @Test
    void entryOutsideLoadedKernelIsRefused() {
        var elf = new TestImages.Elf().seg(0x100_0000, new byte[16], 16);
        elf.entry = 0x200_0000;
        assertTrue(failure(elf.build()).contains("entry point 0x2000000 lies outside the loaded kernel"));
    }

    @Test
    void malformedNoteIsRefused() {
        var elf = new TestImages.Elf().seg(0x100_0000, new byte[16], 16);
        elf.pvhEntry = 0x100_0000L;
        byte[] img = elf.build();
        int noteOff = 64 + 56 * 2;
        ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN).putInt(noteOff + 4, 0x1000_0000);   // descsz
        assertTrue(failure(img).contains("runs past the segment"));
    }

    @Test
    void realStaticElfOnThisMachineLoads() throws IOException, KernelLoadException {
        Path busybox = Path.of("/bin/busybox");
        Assumptions.assumeTrue(Files.isRegularFile(busybox), "no static /bin/busybox on this machine");
        KernelImage k = KernelLoader.load(mem, busybox);
        assertEquals(KernelImage.Format.ELF, k.format());
        assertTrue(k.loadStart().value() >= MIB);
        // the first PT_LOAD of busybox begins with the ELF header itself
        assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, mem.read(k.loadStart(), 4));
    }
}
