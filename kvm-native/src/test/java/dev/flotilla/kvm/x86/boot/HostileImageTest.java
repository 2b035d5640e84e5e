package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.HeapGuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Mutated headers (deterministic seed): every image either loads inside the kernel's place in RAM or
 * fails with a KernelLoadException naming the file — never another exception, never a write into the
 * low boot area.
 */
class HostileImageTest {

    static final long MIB = 1L << 20;
    @TempDir Path dir;
    final HeapGuestMemory mem = HeapGuestMemory.ofSize(8 * MIB);

    private void mutateAndLoad(byte[] valid, int headerBytes, int rounds, long seed) throws Exception {
        Random rnd = new Random(seed);
        Path p = dir.resolve("image");
        int loaded = 0, refused = 0;
        for (int round = 0; round < rounds; round++) {
            byte[] img = valid.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int f = 0; f < flips; f++) {
                int at = rnd.nextInt(Math.min(headerBytes, img.length));
                img[at] = switch (rnd.nextInt(4)) {
                    case 0 -> (byte) 0xff;
                    case 1 -> 0;
                    case 2 -> (byte) 0x80;
                    default -> (byte) rnd.nextInt(256);
                };
            }
            if (rnd.nextInt(8) == 0) img = Arrays.copyOf(img, rnd.nextInt(img.length));
            Files.write(p, img);
            try {
                KernelImage k = KernelLoader.load(mem, p);
                assertTrue(k.loadStart().value() >= MIB, "kernel below 1 MiB: " + k);
                assertArrayEquals(new byte[(int) MIB], mem.read(GuestAddress.of(0), (int) MIB), "low MiB untouched");
                assertTrue(k.entry64().value() >= k.loadStart().value());
                loaded++;
                // and it must be bootable or refused cleanly
                try {
                    BootConfigurator.configure(mem, new BootSpec(k, Optional.of(Initrd.of(new byte[4096])), "c", 1,
                            List.of(VirtioSlot.of(0)), BootProtocol.AUTO));
                } catch (BootException e) {
                    assertNotNull(e.getMessage());
                }
                mem.zero(GuestAddress.of(0), MIB);
            } catch (KernelLoadException e) {
                assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
                refused++;
            }
            if (!(loaded + refused == round + 1)) fail("round " + round);
        }
        assertTrue(refused > rounds / 10, "mutations were refused sometimes: " + refused);
        assertTrue(loaded > 0, "some mutations still load: " + loaded);
    }

    @Test
    void mutatedElfHeadersFailCleanly() throws Exception {
        var elf = new TestImages.Elf().seg(0x10_0000, TestImages.pattern(0x800, 1), 0x1000)
                .seg(0x20_0000, TestImages.pattern(0x100, 2), 0x100);
        elf.entry = 0x10_0010;
        elf.pvhEntry = 0x10_0020L;
        mutateAndLoad(elf.build(), 64 + 56 * 3 + 64, 300, 42);
    }

    @Test
    void mutatedBzImageHeadersFailCleanly() throws Exception {
        var bz = new TestImages.BzImage();
        bz.prefAddress = 0x20_0000;
        bz.initSize = 0x10_0000;
        mutateAndLoad(bz.build(), 0x290, 300, 7);
    }
}
