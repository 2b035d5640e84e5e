package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.HeapGuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class KernelLoaderTest {

    @TempDir Path dir;
    final HeapGuestMemory mem = HeapGuestMemory.ofSize(16 << 20);

    @Test
    void unknownFormatSaysWhatIsExpected() throws Exception {
        Path p = TestImages.write(dir, "garbage", TestImages.pattern(4096, 5));
        String m = assertThrows(KernelLoadException.class, () -> KernelLoader.load(mem, p)).getMessage();
        assertTrue(m.contains("neither an ELF vmlinux nor a bzImage"), m);
    }

    @Test
    void emptyAndMissingFilesAreReported() throws Exception {
        Path empty = TestImages.write(dir, "empty", new byte[0]);
        assertTrue(assertThrows(KernelLoadException.class, () -> KernelLoader.load(mem, empty))
                .getMessage().contains("the file is empty"));
        Path missing = dir.resolve("missing");
        assertTrue(assertThrows(KernelLoadException.class, () -> KernelLoader.load(mem, missing))
                .getMessage().contains("does not exist"));
    }

    @Test
    void formatSpecificLoadersRefuseTheOtherFormat() throws Exception {
        Path bz = TestImages.write(dir, "bzImage", new TestImages.BzImage().build());
        Path elf = TestImages.write(dir, "vmlinux", new TestImages.Elf().seg(0x10_0000, new byte[16], 16)
                .build());
        assertTrue(assertThrows(KernelLoadException.class, () -> ElfLoader.load(mem, bz))
                .getMessage().contains("not an ELF file (bad magic)"));
        assertTrue(assertThrows(KernelLoadException.class, () -> BzImageLoader.load(mem, elf))
                .getMessage().contains("not a bzImage"));
        var elfImage = new TestImages.Elf().seg(0x10_0000, new byte[16], 16);
        elfImage.entry = 0x10_0000;
        assertEquals(KernelImage.Format.ELF,
                ElfLoader.load(mem, TestImages.write(dir, "ok", elfImage.build())).format());
    }
}
