package dev.flotilla.kvm.x86.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Hand-built kernel images for loader tests: a minimal ELF64 vmlinux and a minimal bzImage. */
final class TestImages {

    private TestImages() {}

    /** A PT_LOAD segment: {@code data} at {@code paddr}, {@code memsz} bytes in memory. */
    record Seg(long paddr, byte[] data, long memsz) {}

    static final class Elf {
        final List<Seg> segs = new ArrayList<>();
        long entry = 0x100_0000;
        Long pvhEntry;
        int pvhDescSize = 8;
        int machine = 62;

        Elf seg(long paddr, byte[] data, long memsz) {
            segs.add(new Seg(paddr, data, memsz));
            return this;
        }

        /** Offsets: ehdr, phdrs (segments + note), note, then segment data. */
        byte[] build() {
            int phnum = segs.size() + (pvhEntry != null ? 1 : 0);
            int noteOff = 64 + 56 * phnum;
            byte[] note = pvhEntry == null ? new byte[0] : note(pvhEntry, pvhDescSize);
            int dataOff = noteOff + note.length;
            int total = dataOff;
            for (Seg s : segs) total += s.data().length;
            ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
            b.putShort(16, (short) 2);            // ET_EXEC
            b.putShort(18, (short) machine);
            b.putInt(20, 1);
            b.putLong(24, entry);
            b.putLong(32, 64);                    // e_phoff
            b.putShort(52, (short) 64);
            b.putShort(54, (short) 56);
            b.putShort(56, (short) phnum);
            int ph = 64, off = dataOff;
            for (Seg s : segs) {
                b.putInt(ph, 1);
                b.putInt(ph + 4, 7);
                b.putLong(ph + 8, off);
                b.putLong(ph + 16, s.paddr() | 0xffff_ffff_8000_0000L);   // vaddr: high kernel mapping
                b.putLong(ph + 24, s.paddr());
                b.putLong(ph + 32, s.data().length);
                b.putLong(ph + 40, s.memsz());
                b.putLong(ph + 48, 0x20_0000);
                b.put(off, s.data());
                off += s.data().length;
                ph += 56;
            }
            if (pvhEntry != null) {
                b.putInt(ph, 4);
                b.putLong(ph + 8, noteOff);
                b.putLong(ph + 32, note.length);
                b.putLong(ph + 40, note.length);
                b.put(noteOff, note);
            }
            return b.array();
        }

        /** A harmless note first (GNU build id), then Xen's PHYS32_ENTRY. */
        static byte[] note(long entry, int descSize) {
            ByteBuffer n = ByteBuffer.allocate(12 + 4 + 8 + 12 + 4 + ((descSize + 3) & ~3))
                    .order(ByteOrder.LITTLE_ENDIAN);
            n.putInt(4).putInt(8).putInt(3).put(new byte[] {'G', 'N', 'U', 0}).putLong(0x1122334455667788L);
            n.putInt(4).putInt(descSize).putInt(18).put(new byte[] {'X', 'e', 'n', 0});
            if (descSize == 8) n.putLong(entry);
            else if (descSize == 4) n.putInt((int) entry);
            return n.array();
        }
    }

    static final class BzImage {
        int setupSects = 4;
        int version = 0x020F;
        boolean relocatable = true;
        long prefAddress = 0x100_0000;
        long initSize = 0x40_0000;
        int xloadflags = 1;
        int loadflags = 1;
        long initrdAddrMax = 0x7fff_ffff;
        int cmdlineSize = 2047;
        byte[] payload = pattern(0x3000, 7);

        byte[] build() {
            int setup = (setupSects + 1) * 512;
            ByteBuffer b = ByteBuffer.allocate(setup + payload.length).order(ByteOrder.LITTLE_ENDIAN);
            b.put(0x1f1, (byte) setupSects);
            b.putInt(0x1f4, (payload.length + 15) / 16);
            b.putShort(0x1fe, (short) 0xAA55);
            b.put(0x200, (byte) 0xeb);
            b.put(0x201, (byte) 0x6a);                 // jump: header ends at 0x202 + 0x6a = 0x26c
            b.putInt(0x202, 0x53726448);
            b.putShort(0x206, (short) version);
            b.put(0x211, (byte) loadflags);
            b.putInt(0x214, 0x100000);
            b.putInt(0x22c, (int) initrdAddrMax);
            b.putInt(0x230, 0x20_0000);
            b.put(0x234, (byte) (relocatable ? 1 : 0));
            b.putShort(0x236, (short) xloadflags);
            b.putInt(0x238, cmdlineSize);
            b.putLong(0x258, prefAddress);
            b.putInt(0x260, (int) initSize);
            b.put(setup, payload);
            return b.array();
        }
    }

    static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte) (i * 31 + seed);
        return b;
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }
}
