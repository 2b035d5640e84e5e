package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestMemory;

import java.nio.file.Path;

/**
 * Loads a kernel image into guest RAM, recognising the format by its first bytes: ELF magic → vmlinux
 * ({@link ElfLoader}); boot flag + "HdrS" → bzImage ({@link BzImageLoader}). Writing boot parameters
 * is a separate step ({@link BootConfigurator}), so a loaded image can be booted either way.
 */
public final class KernelLoader {

    private KernelLoader() {}

    public static KernelImage load(GuestMemory mem, Path image) throws KernelLoadException {
        try (ImageFile file = ImageFile.open(image, "kernel image")) {
            if (file.size() == 0) throw new KernelLoadException("kernel image " + image + ": the file is empty");
            byte[] prefix = file.readPrefix(BzImageLoader.HEADER_READ);
            if (ElfLoader.matches(prefix)) return ElfLoader.load(mem, file);
            if (BzImageLoader.matches(prefix)) return BzImageLoader.load(mem, file);
            throw new KernelLoadException(("kernel image %s: neither an ELF vmlinux nor a bzImage (no ELF magic, no"
                    + " 'HdrS' setup header); give an uncompressed vmlinux or a bzImage for x86_64").formatted(image));
        }
    }
}
