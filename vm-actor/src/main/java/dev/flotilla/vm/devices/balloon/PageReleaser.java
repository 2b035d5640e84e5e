package dev.flotilla.vm.devices.balloon;

import dev.flotilla.kvm.memory.GuestAddress;

/**
 * Gives whole guest pages back to the host: {@code MmapGuestMemory::discard} (madvise MADV_DONTNEED) for a
 * real VM, so the host's resident size drops and the pages read as zero if the guest touches them again.
 */
@FunctionalInterface
public interface PageReleaser {

    /** [addr, addr + len) is page aligned and inside one RAM region (the balloon checked). */
    void release(GuestAddress addr, long len);
}
