package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A kernel loaded into guest memory: where it lies, where each boot protocol enters it, and (bzImage)
 * the setup header the zero page must carry.
 *
 * @param loadStart   lowest guest address the kernel occupies
 * @param loadEnd     first guest address above the kernel (including bss / init_size): the initrd goes above
 * @param entry64     Linux 64-bit boot protocol entry (ELF e_entry, or bzImage load address + 0x200)
 * @param pvhEntry    32-bit PVH entry from the XEN_ELFNOTE_PHYS32_ENTRY note, if the image has one
 * @param setupHeader the image's own setup header (bzImage), or empty (ELF: the zero page synthesizes one)
 */
public record KernelImage(Path path, Format format, GuestAddress loadStart, GuestAddress loadEnd,
                          GuestAddress entry64, Optional<GuestAddress> pvhEntry,
                          Optional<SetupHeader> setupHeader) {

    public enum Format { ELF, BZIMAGE }

    public KernelImage {
        Objects.requireNonNull(path);
        Objects.requireNonNull(format);
        Objects.requireNonNull(loadStart);
        Objects.requireNonNull(loadEnd);
        Objects.requireNonNull(entry64);
        Objects.requireNonNull(pvhEntry);
        Objects.requireNonNull(setupHeader);
        if (loadEnd.compareTo(loadStart) < 0) throw new IllegalArgumentException("loadEnd below loadStart");
    }

    public boolean supportsPvh() {
        return pvhEntry.isPresent();
    }
}
