package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.flotilla.kvm.hostfs.FileUse;
import dev.flotilla.kvm.hostfs.HostFiles;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class InitrdLoaderTest {

    static final long MIB = 1L << 20;
    @TempDir Path dir;
    final HeapGuestMemory mem = HeapGuestMemory.ofSize(64 * MIB);
    final KernelImage kernel = new KernelImage(Path.of("vmlinux"), KernelImage.Format.ELF, GuestAddress.of(16 * MIB),
            GuestAddress.of(20 * MIB), GuestAddress.of(16 * MIB), Optional.empty(), Optional.empty());

    @Test
    void goesToTheHighestPageAlignedAddressInLowRam() throws Exception {
        byte[] rd = TestImages.pattern(5000, 4);
        Path p = TestImages.write(dir, "initrd", rd);
        LoadedInitrd l = InitrdLoader.load(mem, Initrd.of(HostFiles.unconfined().open(p, FileUse.INITRD)), kernel, 0x7fff_ffff);
        assertEquals(64 * MIB - 8192, l.address().value());
        assertEquals(5000, l.size());
        assertArrayEquals(rd, mem.read(l.address(), rd.length));
    }

    @Test
    void respectsInitrdAddrMax() throws Exception {
        LoadedInitrd l = InitrdLoader.load(mem, Initrd.of(new byte[4096]), kernel, 32 * MIB - 1);
        assertEquals(32 * MIB - 4096, l.address().value());
    }

    @Test
    void tooBigForTheSpaceAboveTheKernelSaysSo() {
        String m = assertThrows(KernelLoadException.class,
                () -> InitrdLoader.load(mem, Initrd.of(new byte[(int) (45 * MIB)]), kernel, 0x7fff_ffff)).getMessage();
        assertTrue(m.contains("(45 MiB) does not fit between the kernel's end 0x1400000"), m);
        assertTrue(m.contains("give the VM more memory"), m);
    }

    @Test
    void emptyInitrdIsRefused() throws Exception {
        Path p = TestImages.write(dir, "empty", new byte[0]);
        assertTrue(assertThrows(KernelLoadException.class, () -> InitrdLoader.load(mem, Initrd.of(HostFiles.unconfined().open(p, FileUse.INITRD)), kernel, 0x7fff_ffff))
                .getMessage().contains("initrd " + p + ": the file is empty"));
    }
}
