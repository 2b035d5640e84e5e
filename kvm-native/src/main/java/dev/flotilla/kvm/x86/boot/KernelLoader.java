package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.hostfs.FileUse;
import dev.flotilla.kvm.hostfs.HostFile;
import dev.flotilla.kvm.hostfs.HostFiles;
import dev.flotilla.kvm.memory.GuestMemory;

import java.nio.file.Path;

/**
 * Loads a kernel image into guest RAM, recognising the format by its first bytes: ELF magic → vmlinux
 * ({@link ElfLoader}); boot flag + "HdrS" → bzImage ({@link BzImageLoader}). Writing boot parameters
 * is a separate step ({@link BootConfigurator}), so a loaded image can be booted either way.
 */
public final class KernelLoader {

    private KernelLoader() {}

    /** Opens {@code image} as the operator named it ({@link HostFiles#unconfined()}) and loads it. */
    public static KernelImage load(GuestMemory mem, Path image) throws KernelLoadException {
        try (HostFile file = ImageFile.open(HostFiles.unconfined(), image, FileUse.KERNEL)) {
            return load(mem, file);
        }
    }

    /** Loads the kernel from an already opened (and type-checked) file; the caller closes it. */
    public static KernelImage load(GuestMemory mem, HostFile image) throws KernelLoadException {
        ImageFile file = new ImageFile(image);
        if (file.size() == 0) throw new KernelLoadException("kernel image " + image.path() + ": the file is empty");
        byte[] prefix = file.readPrefix(BzImageLoader.HEADER_READ);
        if (ElfLoader.matches(prefix)) return ElfLoader.load(mem, file);
        if (BzImageLoader.matches(prefix)) return BzImageLoader.load(mem, file);
        throw new KernelLoadException(("kernel image %s: neither an ELF vmlinux nor a bzImage (no ELF magic, no"
                + " 'HdrS' setup header); give an uncompressed vmlinux or a bzImage for x86_64").formatted(image.path()));
    }
}
