package dev.flotilla.vm.pool;

import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.VmFd;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import java.util.Objects;

/**
 * A KVM VM with nothing guest-specific in it yet: fresh zeroed guest RAM (anonymous, MAP_NORESERVE,
 * untouched) registered in its memory slots, the TSS and identity-map pages set, the in-kernel irqchip
 * and PIT created. No vCPU, no kernel, no device. This is the part of a VM build that waits in the
 * kernel (KVM_SET_USER_MEMORY_REGION, KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2), so it is what a
 * {@link VmPool} prepares ahead of time; the builder makes one itself when none is pooled.
 * <p>Ownership: whoever holds it closes it, once; handing it to {@code VmBuilder} hands over both
 * handles (they end up in the VM's {@code VmResources}).
 */
public record BareVm(VmShape shape, VmFd vm, MmapGuestMemory memory) implements AutoCloseable {

    /** KVM needs three pages below 4 GiB for the TSS and one for the identity map (Intel only). */
    public static final long TSS_ADDRESS = 0xfffb_d000L;
    public static final long IDENTITY_MAP_ADDRESS = 0xfffb_c000L;

    public BareVm {
        Objects.requireNonNull(shape);
        Objects.requireNonNull(vm);
        Objects.requireNonNull(memory);
    }

    /**
     * Maps fresh guest RAM of {@code shape} and creates a VM around it, in the order the VM build has
     * always used. Blocking (mmap, ioctls that wait for the kernel: milliseconds). On failure what was
     * made so far is released before the error propagates.
     */
    public static BareVm create(Kvm kvm, VmShape shape) {
        MmapGuestMemory memory = MmapGuestMemory.allocate(shape.ramRegions());
        VmFd vm = null;
        try {
            vm = kvm.createVm();
            vm.setTssAddr(TSS_ADDRESS);
            vm.setIdentityMapAddr(IDENTITY_MAP_ADDRESS);
            vm.createIrqchip();
            vm.createPit2();
            vm.registerMemory(memory);
            return new BareVm(shape, vm, memory);
        } catch (RuntimeException | Error e) {
            try {
                if (vm != null) vm.close();
            } finally {
                memory.close();
            }
            throw e;
        }
    }

    /** Closes the VM fd, then unmaps its RAM (a slot must never point at unmapped memory). Idempotent. */
    @Override
    public void close() {
        try {
            vm.close();
        } finally {
            memory.close();
        }
    }
}
