package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;

/**
 * Places the initrd as high as it may go: the highest page-aligned address below both the kernel's
 * {@code initrd_addr_max} and the end of low RAM, above the kernel. High placement keeps it clear of the
 * kernel's decompression and early allocations (what boot loaders do).
 */
public final class InitrdLoader {

    private InitrdLoader() {}

    /**
     * @param addrMax highest guest address (inclusive) the initrd may occupy, from the setup header
     */
    public static LoadedInitrd load(GuestMemory mem, Initrd initrd, KernelImage kernel, long addrMax)
            throws KernelLoadException {
        if (initrd instanceof Initrd.FromFile f) {
            String name = "initrd " + f.file().path();
            ImageFile file = new ImageFile(f.file());
            long addr = place(mem, name, file.size(), kernel, addrMax);
            file.copyToGuest(mem, 0, GuestAddress.of(addr), file.size(), "the initrd");
            return new LoadedInitrd(GuestAddress.of(addr), file.size());
        }
        byte[] bytes = ((Initrd.FromBytes) initrd).bytes();
        long addr = place(mem, "initrd (in memory)", bytes.length, kernel, addrMax);
        mem.write(GuestAddress.of(addr), bytes);
        return new LoadedInitrd(GuestAddress.of(addr), bytes.length);
    }

    /** The load address for {@code size} bytes, or an error saying how much memory is missing. */
    static long place(GuestMemory mem, String name, long size, KernelImage kernel, long addrMax)
            throws KernelLoadException {
        if (size == 0) throw new KernelLoadException(name + ": the file is empty; give a real initrd or none");
        long lowEnd = MemoryLayout.lowRamEnd(mem.regions());
        long limit = Math.min(lowEnd, addrMax + 1);
        long floor = Math.max(kernel.loadEnd().value(), MemoryLayout.HIMEM_START);
        long addr = (limit - size) & ~(MemoryLayout.PAGE_SIZE - 1);
        if (size > limit || addr < floor) {
            throw new KernelLoadException(("%s (%s) does not fit between the kernel's end 0x%x and 0x%x (end of low RAM"
                    + " or the kernel's initrd_addr_max); give the VM more memory or use a smaller initrd")
                    .formatted(name, Sizes.human(size), floor, limit));
        }
        if (!mem.isValid(GuestAddress.of(addr), size)) {
            throw new KernelLoadException("%s: 0x%x bytes at 0x%x are not guest RAM; give the VM more memory"
                    .formatted(name, size, addr));
        }
        return addr;
    }
}
