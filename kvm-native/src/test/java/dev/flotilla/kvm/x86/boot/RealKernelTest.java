package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Loads the project's cached Debian cloud kernel (vmlinux and bzImage, fetched by the ops guest-image
 * tooling into ~/.cache/flotilla/linux, or -Dflotilla.kernel.dir). Skipped when it is not there.
 */
class RealKernelTest {

    static final long MIB = 1L << 20;

    static Path kernelFile(String name) {
        Path dir = Path.of(System.getProperty("flotilla.kernel.dir",
                System.getProperty("user.home") + "/.cache/flotilla/linux"));
        Path p = dir.resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(p), "no cached kernel at " + p + "; skipping");
        return p;
    }

    @Test
    void debianVmlinuxLoadsWithItsPvhEntryAndBootsPvhByDefault() throws Exception {
        Path vmlinux = kernelFile("vmlinux");
        HeapGuestMemory mem = HeapGuestMemory.ofSize(128 * MIB);
        KernelImage k = KernelLoader.load(mem, vmlinux);
        assertEquals(KernelImage.Format.ELF, k.format());
        assertEquals(0x100_0000, k.entry64().value(), "phys_startup_64");
        assertEquals(0x100_0000, k.loadStart().value());
        long pvh = k.pvhEntry().orElseThrow().value();
        assertTrue(pvh > k.loadStart().value() && pvh < k.loadEnd().value(), "PVH entry inside the kernel");

        BootResult r = BootConfigurator.configure(mem, new BootSpec(k, Optional.empty(), "console=ttyS0", 2,
                List.of(VirtioSlot.of(0)), BootProtocol.AUTO));
        assertEquals(BootProtocol.PVH, r.protocol());
        assertEquals(pvh, r.bootRegs().rip);
    }

    @Test
    void debianBzImageLoadsAtPrefAddressAndKeepsItsHeader() throws Exception {
        Path vmlinuz = kernelFile("vmlinuz");
        HeapGuestMemory mem = HeapGuestMemory.ofSize(128 * MIB);
        KernelImage k = KernelLoader.load(mem, vmlinuz);
        assertEquals(KernelImage.Format.BZIMAGE, k.format());
        SetupHeader h = k.setupHeader().orElseThrow();
        assertTrue(h.version() >= 0x020c, h.toString());
        long pref = h.u64(SetupHeader.PREF_ADDRESS);
        assertEquals(pref, k.loadStart().value());
        assertEquals(pref + 0x200, k.entry64().value());
        assertEquals(pref + h.u32(SetupHeader.INIT_SIZE), k.loadEnd().value());

        BootResult r = BootConfigurator.configure(mem, new BootSpec(k, Optional.of(Initrd.of(new byte[8192])),
                "console=ttyS0", 1, List.of(), BootProtocol.AUTO));
        assertEquals(BootProtocol.LINUX_64, r.protocol());
        assertEquals(h.version(), mem.readU16(GuestAddress.of(0x7000 + SetupHeader.VERSION)));
        assertEquals(h.cmdlineSize(), mem.readU32(GuestAddress.of(0x7000 + SetupHeader.CMDLINE_SIZE)));
        assertTrue(r.initrd().orElseThrow().address().value() >= k.loadEnd().value());
    }

    @Test
    void debianBzImageNeedsMoreThan32MiB() throws Exception {
        Path vmlinuz = kernelFile("vmlinuz");
        HeapGuestMemory mem = HeapGuestMemory.ofSize(32 * MIB);
        String m = assertThrows(KernelLoadException.class, () -> KernelLoader.load(mem, vmlinuz)).getMessage();
        assertTrue(m.contains("extends past guest RAM (32 MiB); give the VM more memory"), m);
    }
}
