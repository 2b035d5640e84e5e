package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;

import java.util.Optional;

/**
 * Loads a bzImage for the Linux 64-bit boot protocol (Documentation/arch/x86/boot.rst): the real-mode
 * setup sectors are skipped (only their setup header is kept, for the zero page); the protected-mode
 * part goes to 1 MiB, or to {@code pref_address} when the kernel is relocatable, and is entered at
 * load address + 0x200 in long mode. The kernel decompresses itself from there.
 */
public final class BzImageLoader {

    static final int MIN_VERSION = 0x0206;
    static final int ENTRY64_OFFSET = 0x200;
    /** The header must at least reach the fields read here (up to init_size, protocol 2.10). */
    static final int HEADER_READ = SetupHeader.MAX_END;

    private BzImageLoader() {}

    /** True if the prefix carries a boot sector flag and the "HdrS" setup header magic. */
    static boolean matches(byte[] prefix) {
        if (prefix.length < SetupHeader.HEADER + 4) return false;
        return u16(prefix, SetupHeader.BOOT_FLAG) == SetupHeader.BOOT_FLAG_MAGIC
                && u32(prefix, SetupHeader.HEADER) == SetupHeader.HEADER_MAGIC;
    }

    /** Loads {@code image}, which must be a bzImage (use {@link KernelLoader} to detect the format). */
    public static KernelImage load(GuestMemory mem, java.nio.file.Path image) throws KernelLoadException {
        try (var file = ImageFile.open(dev.flotilla.kvm.hostfs.HostFiles.unconfined(), image, dev.flotilla.kvm.hostfs.FileUse.KERNEL)) {
            return load(mem, new ImageFile(file));
        }
    }

    static KernelImage load(GuestMemory mem, ImageFile file) throws KernelLoadException {
        String p = "kernel image " + file.path();
        byte[] prefix = file.read(0, (int) Math.min(HEADER_READ, file.size()), "the setup header");
        if (!matches(prefix)) {
            throw new KernelLoadException(p + ": not a bzImage (no 0xAA55 boot flag and 'HdrS' magic at 0x1fe/0x202)");
        }
        if (prefix.length < SetupHeader.VERSION + 2) throw file.truncated("the setup header", 0, SetupHeader.VERSION + 2);
        int version = u16(prefix, SetupHeader.VERSION);
        if (version < MIN_VERSION) {
            throw new KernelLoadException(("%s: boot protocol %d.%02d is too old (2.06 or newer needed, Linux 2.6.22+);"
                    + " use a newer kernel").formatted(p, version >> 8, version & 0xff));
        }
        int headerEnd = SetupHeader.JUMP + 2 + (prefix[SetupHeader.JUMP + 1] & 0xff);
        int needed = Math.max(headerEnd, version >= 0x020A ? SetupHeader.INIT_SIZE + 4 : SetupHeader.CMDLINE_SIZE + 4);
        if (prefix.length < needed) throw file.truncated("the setup header", 0, needed);
        if ((prefix[SetupHeader.LOADFLAGS] & SetupHeader.LOADFLAGS_LOADED_HIGH) == 0) {
            throw new KernelLoadException(p + ": a zImage (loads below 1 MiB), not a bzImage; build the kernel as bzImage");
        }
        if (version >= 0x020C && (u16(prefix, SetupHeader.XLOADFLAGS) & SetupHeader.XLF_KERNEL_64) == 0) {
            throw new KernelLoadException(p + ": the kernel has no 64-bit entry point (XLF_KERNEL_64 clear);"
                    + " use an x86_64 kernel");
        }
        int setupSects = prefix[SetupHeader.SETUP_SECTS] & 0xff;
        if (setupSects == 0) setupSects = 4;
        long setupSize = (setupSects + 1L) * 512;
        if (setupSize >= file.size()) throw file.truncated("the protected-mode kernel after the setup sectors", setupSize, 1);
        long pmSize = file.size() - setupSize;
        long syssize = u32(prefix, SetupHeader.SYSSIZE) * 16;
        if (syssize > pmSize + 15) throw file.truncated("the protected-mode kernel (syssize)", setupSize, syssize);

        boolean relocatable = version >= 0x0205 && prefix[SetupHeader.RELOCATABLE_KERNEL] != 0;
        long pref = version >= 0x020A ? u64(prefix, SetupHeader.PREF_ADDRESS) : 0;
        long load = relocatable && pref >= MemoryLayout.HIMEM_START && pref % MemoryLayout.PAGE_SIZE == 0
                ? pref : MemoryLayout.HIMEM_START;
        long initSize = version >= 0x020A ? u32(prefix, SetupHeader.INIT_SIZE) : 0;
        long footprint = Math.max(initSize, pmSize);
        long ram = mem.totalSize();
        if (load + footprint < load || !mem.isValid(GuestAddress.of(load), footprint)) {
            throw new KernelLoadException(("%s: the kernel needs 0x%x bytes from 0x%x (its init_size) but that extends"
                    + " past guest RAM (%s); give the VM more memory").formatted(p, footprint, load, Sizes.human(ram)));
        }
        file.copyToGuest(mem, setupSize, GuestAddress.of(load), pmSize, "the protected-mode kernel");
        SetupHeader header = SetupHeader.fromImage(prefix, headerEnd);
        return new KernelImage(file.path(), KernelImage.Format.BZIMAGE, GuestAddress.of(load),
                GuestAddress.of(load + footprint), GuestAddress.of(load + ENTRY64_OFFSET), Optional.empty(),
                Optional.of(header));
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
    }

    private static long u32(byte[] b, int off) {
        return (u16(b, off) | (long) u16(b, off + 2) << 16) & 0xffff_ffffL;
    }

    private static long u64(byte[] b, int off) {
        return u32(b, off) | u32(b, off + 4) << 32;
    }
}
