package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class BzImageLoaderTest {

    static final long MIB = 1 << 20;
    @TempDir Path dir;
    final HeapGuestMemory mem = HeapGuestMemory.ofSize(64 * MIB);

    private KernelImage load(byte[] image) throws Exception {
        return KernelLoader.load(mem, TestImages.write(dir, "bzImage", image));
    }

    private String failure(byte[] image) {
        return assertThrows(KernelLoadException.class, () -> load(image)).getMessage();
    }

    @Test
    void relocatableKernelLoadsAtPrefAddressWithEntryAt0x200() throws Exception {
        var bz = new TestImages.BzImage();
        KernelImage k = load(bz.build());
        assertEquals(KernelImage.Format.BZIMAGE, k.format());
        assertEquals(0x100_0000, k.loadStart().value());
        assertEquals(0x100_0200, k.entry64().value());
        assertEquals(0x100_0000 + bz.initSize, k.loadEnd().value());
        assertArrayEquals(bz.payload, mem.read(GuestAddress.of(0x100_0000), bz.payload.length));
        assertTrue(k.pvhEntry().isEmpty());
    }

    @Test
    void nonRelocatableKernelLoadsAtOneMiB() throws Exception {
        var bz = new TestImages.BzImage();
        bz.relocatable = false;
        KernelImage k = load(bz.build());
        assertEquals(MIB, k.loadStart().value());
        assertEquals(MIB + 0x200, k.entry64().value());
        assertArrayEquals(bz.payload, mem.read(GuestAddress.of(MIB), bz.payload.length));
    }

    @Test
    void setupHeaderIsKeptForTheZeroPage() throws Exception {
        var bz = new TestImages.BzImage();
        bz.initrdAddrMax = 0x37ff_ffff;
        byte[] img = bz.build();
        SetupHeader h = load(img).setupHeader().orElseThrow();
        assertEquals(0x020F, h.version());
        assertEquals(0x37ff_ffffL, h.initrdAddrMax());
        assertEquals(2047, h.cmdlineSize());
        assertEquals(0x26c - 0x1f1, h.length());
        assertArrayEquals(Arrays.copyOfRange(img, 0x1f1, 0x26c), h.bytes());
    }

    @Test
    void zeroSetupSectsMeansFour() throws Exception {
        var bz = new TestImages.BzImage();
        bz.setupSects = 4;
        byte[] img = bz.build();
        img[0x1f1] = 0;
        load(img);
        assertArrayEquals(bz.payload, mem.read(GuestAddress.of(0x100_0000), bz.payload.length));
    }

    @Test
    void oldProtocolIsRefusedWithVersion() {
        var bz = new TestImages.BzImage();
        bz.version = 0x0204;
        String m = failure(bz.build());
        assertTrue(m.contains("boot protocol 2.04 is too old (2.06 or newer needed"), m);
    }

    @Test
    void kernelWithout64BitEntryIsRefused() {
        var bz = new TestImages.BzImage();
        bz.xloadflags = 0;
        assertTrue(failure(bz.build()).contains("no 64-bit entry point"));
    }

    @Test
    void initSizePastRamSuggestsMoreMemory() {
        var bz = new TestImages.BzImage();
        bz.initSize = 60 * MIB;
        String m = failure(bz.build());
        assertTrue(m.contains("extends past guest RAM (64 MiB); give the VM more memory"), m);
    }

    @Test
    void truncatedImagesAreReported() {
        byte[] img = new TestImages.BzImage().build();
        assertTrue(failure(Arrays.copyOf(img, 0x240)).contains("truncated: the setup header"));
        // setup sectors present, protected-mode part cut short of syssize
        assertTrue(failure(Arrays.copyOf(img, 5 * 512 + 0x100)).contains("truncated: the protected-mode kernel"));
        assertTrue(failure(Arrays.copyOf(img, 5 * 512)).contains("truncated"));
    }

    @Test
    void zImageIsRefused() {
        var bz = new TestImages.BzImage();
        bz.loadflags = 0;
        assertTrue(failure(bz.build()).contains("zImage"));
    }
}
