package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Loads an uncompressed x86_64 kernel (vmlinux, ELF64): every PT_LOAD segment is copied to its physical
 * address {@code p_paddr} and its bss zeroed; {@code e_entry} is the 64-bit entry; a Xen
 * {@code PHYS32_ENTRY} note in a PT_NOTE segment gives the PVH entry. Everything read from the file is
 * checked before it is used: the file is user input, and a bad header must not write outside the
 * kernel's place in guest RAM.
 */
public final class ElfLoader {

    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    static final int EM_X86_64 = 62;
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;
    /** Real kernels have a handful of program headers; thousands means a corrupt or hostile file. */
    static final int MAX_PHNUM = 128;
    /** A PT_NOTE segment bigger than this is not a kernel's note section. */
    static final int MAX_NOTE_SIZE = 64 * 1024;

    private ElfLoader() {}

    /** True if the file starts with the ELF magic (format detection only). */
    static boolean matches(byte[] prefix) {
        return prefix.length >= 4 && prefix[0] == 0x7f && prefix[1] == 'E' && prefix[2] == 'L' && prefix[3] == 'F';
    }

    /** Loads {@code image}, which must be an ELF vmlinux (use {@link KernelLoader} to detect the format). */
    public static KernelImage load(GuestMemory mem, java.nio.file.Path image) throws KernelLoadException {
        try (var file = ImageFile.open(dev.flotilla.kvm.hostfs.HostFiles.unconfined(), image, dev.flotilla.kvm.hostfs.FileUse.KERNEL)) {
            return load(mem, new ImageFile(file));
        }
    }

    static KernelImage load(GuestMemory mem, ImageFile file) throws KernelLoadException {
        String p = "kernel image " + file.path();
        ByteBuffer eh = le(file.read(0, EHDR_SIZE, "the ELF header"));
        if (!matches(eh.array())) throw new KernelLoadException(p + ": not an ELF file (bad magic)");
        if (eh.get(4) != 2) {
            throw new KernelLoadException(p + ": 32-bit ELF; Flotilla boots 64-bit x86_64 kernels (vmlinux)");
        }
        if (eh.get(5) != 1) throw new KernelLoadException(p + ": big-endian ELF; an x86_64 vmlinux is little-endian");
        int machine = eh.getShort(18) & 0xffff;
        if (machine != EM_X86_64) {
            throw new KernelLoadException("%s: ELF machine %d is not x86_64 (62); use a kernel built for x86_64"
                    .formatted(p, machine));
        }
        long entry = eh.getLong(24);
        long phoff = eh.getLong(32);
        int phentsize = eh.getShort(54) & 0xffff;
        int phnum = eh.getShort(56) & 0xffff;
        if (phentsize != PHDR_SIZE) {
            throw new KernelLoadException("%s: program header size %d, expected %d for ELF64; the file is corrupt"
                    .formatted(p, phentsize, PHDR_SIZE));
        }
        if (phnum == 0 || phnum > MAX_PHNUM) {
            throw new KernelLoadException("%s: %d program headers (expected 1..%d); the file is corrupt"
                    .formatted(p, phnum, MAX_PHNUM));
        }
        ByteBuffer ph = le(file.read(phoff, phnum * PHDR_SIZE, "the program header table"));

        long ramSize = mem.totalSize();
        long lowest = Long.MAX_VALUE, highest = 0;
        Optional<GuestAddress> pvh = Optional.empty();
        int loads = 0;
        for (int i = 0; i < phnum; i++) {
            int base = i * PHDR_SIZE;
            int type = ph.getInt(base);
            long offset = ph.getLong(base + 8);
            long paddr = ph.getLong(base + 24);
            long filesz = ph.getLong(base + 32);
            long memsz = ph.getLong(base + 40);
            if (type == PT_NOTE) {
                Optional<GuestAddress> found = pvhEntry(file, p, i, offset, filesz);
                if (found.isPresent()) pvh = found;
                continue;
            }
            if (type != PT_LOAD) continue;
            checkSegment(mem, file, p, i, offset, paddr, filesz, memsz, ramSize);
            file.copyToGuest(mem, offset, GuestAddress.of(paddr), filesz, "segment " + i);
            if (memsz > filesz) mem.zero(GuestAddress.of(paddr + filesz), memsz - filesz);
            lowest = Math.min(lowest, paddr);
            highest = Math.max(highest, paddr + memsz);
            loads++;
        }
        if (loads == 0) throw new KernelLoadException(p + ": no loadable (PT_LOAD) segments; is this a vmlinux?");
        if (entry < lowest || entry >= highest) {
            throw new KernelLoadException("%s: entry point 0x%x lies outside the loaded kernel [0x%x, 0x%x);"
                    .formatted(p, entry, lowest, highest) + " the image is corrupt or not a vmlinux");
        }
        if (pvh.isPresent()) {
            long e = pvh.get().value();
            if (e < lowest || e >= highest) {
                throw new KernelLoadException(("%s: PVH entry point 0x%x (Xen PHYS32_ENTRY note) lies outside the"
                        + " loaded kernel [0x%x, 0x%x); the image is corrupt").formatted(p, e, lowest, highest));
            }
        }
        return new KernelImage(file.path(), KernelImage.Format.ELF, GuestAddress.of(lowest),
                GuestAddress.of(highest), GuestAddress.of(entry), pvh, Optional.empty());
    }

    private static void checkSegment(GuestMemory mem, ImageFile file, String p, int i, long offset, long paddr,
                                     long filesz, long memsz, long ramSize) throws KernelLoadException {
        if (filesz < 0 || memsz < 0 || Long.compareUnsigned(filesz, memsz) > 0) {
            throw new KernelLoadException("%s: segment %d has file size 0x%x larger than its memory size 0x%x;"
                    .formatted(p, i, filesz, memsz) + " the file is corrupt");
        }
        if (offset < 0 || offset > file.size() || filesz > file.size() - offset) {
            throw new KernelLoadException(("%s: segment %d claims 0x%x bytes at file offset 0x%x but the file is"
                    + " %d bytes; the file is truncated or corrupt").formatted(p, i, filesz, offset, file.size()));
        }
        if (Long.compareUnsigned(paddr, MemoryLayout.HIMEM_START) < 0) {
            throw new KernelLoadException(("%s: segment %d at 0x%x overlaps the low boot area below 1 MiB (zero"
                    + " page, page tables, ACPI); use a kernel linked to load at or above 1 MiB (a vmlinux)")
                    .formatted(p, i, paddr));
        }
        if (memsz > ramSize || paddr + memsz < paddr || !mem.isValid(GuestAddress.of(paddr), memsz)) {
            throw new KernelLoadException(("%s: segment %d at 0x%x (0x%x bytes) extends past guest RAM (%s);"
                    + " give the VM more memory").formatted(p, i, paddr, memsz, Sizes.human(ramSize)));
        }
    }

    /** Scans one PT_NOTE segment for Xen's PHYS32_ENTRY note. Malformed notes are an error, not ignored. */
    private static Optional<GuestAddress> pvhEntry(ImageFile file, String p, int seg, long offset, long filesz)
            throws KernelLoadException {
        if (filesz < 0 || filesz > MAX_NOTE_SIZE) {
            throw new KernelLoadException("%s: note segment %d is 0x%x bytes (at most 0x%x expected); the file is corrupt"
                    .formatted(p, seg, filesz, MAX_NOTE_SIZE));
        }
        ByteBuffer n = le(file.read(offset, (int) filesz, "note segment " + seg));
        int pos = 0;
        while (pos + 12 <= n.limit()) {
            long namesz = n.getInt(pos) & 0xffff_ffffL;
            long descsz = n.getInt(pos + 4) & 0xffff_ffffL;
            int type = n.getInt(pos + 8);
            long nameOff = pos + 12L;
            long descOff = nameOff + align4(namesz);
            long next = descOff + align4(descsz);
            if (next > n.limit()) {
                throw new KernelLoadException("%s: note segment %d: note at +0x%x runs past the segment; the file is corrupt"
                        .formatted(p, seg, pos));
            }
            if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && "Xen\0".equals(
                    new String(n.array(), (int) nameOff, 4, StandardCharsets.US_ASCII))) {
                long e;
                if (descsz == 4) e = n.getInt((int) descOff) & 0xffff_ffffL;
                else if (descsz == 8) e = n.getLong((int) descOff);
                else throw new KernelLoadException("%s: Xen PHYS32_ENTRY note has a %d-byte value (4 or 8 expected)"
                            .formatted(p, descsz));
                if (Long.compareUnsigned(e, 1L << 32) >= 0) {
                    throw new KernelLoadException("%s: PVH entry 0x%x is not a 32-bit physical address".formatted(p, e));
                }
                return Optional.of(GuestAddress.of(e));
            }
            pos = (int) next;
        }
        return Optional.empty();
    }

    private static long align4(long v) {
        return (v + 3) & ~3L;
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
