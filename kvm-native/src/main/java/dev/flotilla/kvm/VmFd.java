package dev.flotilla.kvm;

import dev.flotilla.kvm.memory.GuestMemory.Region;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.kvm.sys.KvmIoctls;
import dev.flotilla.kvm.sys.KvmStructs;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeStruct;

/**
 * A VM fd: memory slots, the in-kernel irqchip and PIT, interrupt lines, ioeventfds/irqfds, and the
 * factory of {@link VcpuFd}s.
 * <p>Thread-safety: all methods may be called from any thread (each is one ioctl; KVM serialises
 * them). Close order is the caller's: close every {@link VcpuFd} first, then the VM, then the guest
 * memory it maps (the kernel keeps the VM alive while vCPU fds are open, and a memory slot must not
 * point at unmapped memory while a vCPU can run).
 */
public final class VmFd implements AutoCloseable {

    /** Where Firecracker puts the TSS (3 pages below the 4 GiB boundary's BIOS area). */
    public static final long DEFAULT_TSS_ADDRESS = 0xfffb_d000L;
    /** Flag for {@link #setUserMemoryRegion}: track dirty pages (for snapshots). */
    public static final int KVM_MEM_LOG_DIRTY_PAGES = 1;
    public static final int KVM_MEM_READONLY = 1 << 1;

    private final OwnedFd fd;
    private final int vcpuMmapSize;
    private int nextSlot;

    VmFd(int fd, int vcpuMmapSize) {
        this.fd = new OwnedFd(fd, "VM fd " + fd);
        this.vcpuMmapSize = vcpuMmapSize;
    }

    /** KVM_SET_TSS_ADDR: three pages of guest-physical space KVM needs on Intel (not RAM). */
    public void setTssAddr(long addr) {
        Native.ioctl(fd.get(), KvmIoctls.KVM_SET_TSS_ADDR, addr, "KVM_SET_TSS_ADDR");
    }

    /** KVM_SET_IDENTITY_MAP_ADDR: one page for the EPT identity map on Intel (not RAM). */
    public void setIdentityMapAddr(long addr) {
        try (NativeStruct s = new NativeStruct(8)) {
            s.buffer().putLong(0, addr);
            Native.ioctl(fd.get(), KvmIoctls.KVM_SET_IDENTITY_MAP_ADDR, s.address(), "KVM_SET_IDENTITY_MAP_ADDR");
        }
    }

    /** KVM_CREATE_IRQCHIP: PIC, IOAPIC and a LAPIC per vCPU in the kernel. Call before {@link #createVcpu}. */
    public void createIrqchip() {
        Native.ioctl(fd.get(), KvmIoctls.KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
    }

    /** KVM_CREATE_PIT2 with flags 0. Needs the irqchip. */
    public void createPit2() {
        createPit2(0);
    }

    /** KVM_CREATE_PIT2, e.g. with {@link KvmStructs#KVM_PIT_SPEAKER_DUMMY}. */
    public void createPit2(int flags) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_PIT_CONFIG_SIZE)) {
            s.buffer().putInt(0, flags);
            Native.ioctl(fd.get(), KvmIoctls.KVM_CREATE_PIT2, s.address(), "KVM_CREATE_PIT2");
        }
    }

    /**
     * KVM_SET_USER_MEMORY_REGION: map [guestPhys, guestPhys+size) to host memory at hostAddr in
     * {@code slot}; size 0 deletes the slot. All values must be page aligned.
     */
    public void setUserMemoryRegion(int slot, long guestPhys, long size, long hostAddr) {
        setUserMemoryRegion(slot, 0, guestPhys, size, hostAddr);
    }

    public void setUserMemoryRegion(int slot, int flags, long guestPhys, long size, long hostAddr) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_USERSPACE_MEMORY_REGION_SIZE)) {
            KvmStructs.userspaceMemoryRegion(s.buffer(), slot, flags, guestPhys, size, hostAddr);
            Native.ioctl(fd.get(), KvmIoctls.KVM_SET_USER_MEMORY_REGION, s.address(),
                    "KVM_SET_USER_MEMORY_REGION(slot %d, guest 0x%x, size 0x%x)".formatted(slot, guestPhys, size));
        }
    }

    /**
     * Registers every region of {@code memory} in its own slot, numbered from the next free slot of
     * this VM (0 for the first call). Returns the first slot used.
     */
    public synchronized int registerMemory(MmapGuestMemory memory) {
        int first = nextSlot;
        for (Region r : memory.regions()) {
            setUserMemoryRegion(nextSlot, r.start().value(), r.size(), memory.hostAddress(r));
            nextSlot++;
        }
        return first;
    }

    /** KVM_IRQ_LINE: set a GSI of the in-kernel irqchip to high or low. */
    public void irqLine(int irq, boolean level) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_IRQ_LEVEL_SIZE)) {
            KvmStructs.irqLevel(s.buffer(), irq, level ? 1 : 0);
            Native.ioctl(fd.get(), KvmIoctls.KVM_IRQ_LINE, s.address(), "KVM_IRQ_LINE(" + irq + ")");
        }
    }

    /** KVM_CREATE_VCPU and the mmap of its kvm_run. */
    public VcpuFd createVcpu(int id) {
        int vcpu = Native.ioctl(fd.get(), KvmIoctls.KVM_CREATE_VCPU, id, "KVM_CREATE_VCPU(" + id + ")");
        return VcpuFd.create(vcpu, id, vcpuMmapSize);
    }

    /**
     * KVM_IOEVENTFD: a guest write of {@code len} bytes (1, 2, 4, 8) to {@code addr} signals
     * {@code eventfd} in the kernel, without a userspace exit. {@code datamatch} -1 matches any value;
     * otherwise only writes of that value. {@code pio} selects port I/O instead of MMIO.
     */
    public void registerIoeventfd(long addr, int len, long datamatch, int eventfd, boolean pio) {
        ioeventfd(addr, len, datamatch, eventfd, pio, false);
    }

    /** MMIO form of {@link #registerIoeventfd(long, int, long, int, boolean)}. */
    public void registerIoeventfd(long addr, int len, long datamatch, int eventfd) {
        ioeventfd(addr, len, datamatch, eventfd, false, false);
    }

    /** Removes an ioeventfd; the arguments must match the registration. */
    public void unregisterIoeventfd(long addr, int len, long datamatch, int eventfd, boolean pio) {
        ioeventfd(addr, len, datamatch, eventfd, pio, true);
    }

    public void unregisterIoeventfd(long addr, int len, long datamatch, int eventfd) {
        ioeventfd(addr, len, datamatch, eventfd, false, true);
    }

    private void ioeventfd(long addr, int len, long datamatch, int eventfd, boolean pio, boolean deassign) {
        int flags = (datamatch == -1 ? 0 : KvmStructs.KVM_IOEVENTFD_FLAG_DATAMATCH)
                | (pio ? KvmStructs.KVM_IOEVENTFD_FLAG_PIO : 0)
                | (deassign ? KvmStructs.KVM_IOEVENTFD_FLAG_DEASSIGN : 0);
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_IOEVENTFD_SIZE)) {
            KvmStructs.ioeventfd(s.buffer(), datamatch == -1 ? 0 : datamatch, addr, len, eventfd, flags);
            Native.ioctl(fd.get(), KvmIoctls.KVM_IOEVENTFD, s.address(),
                    "KVM_IOEVENTFD(%s0x%x, len %d)".formatted(deassign ? "deassign " : "", addr, len));
        }
    }

    /** KVM_IRQFD: a write to {@code eventfd} raises {@code gsi} (edge) in the in-kernel irqchip. */
    public void registerIrqfd(int eventfd, int gsi) {
        irqfd(eventfd, gsi, 0);
    }

    public void unregisterIrqfd(int eventfd, int gsi) {
        irqfd(eventfd, gsi, KvmStructs.KVM_IRQFD_FLAG_DEASSIGN);
    }

    private void irqfd(int eventfd, int gsi, int flags) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_IRQFD_SIZE)) {
            KvmStructs.irqfd(s.buffer(), eventfd, gsi, flags, 0);
            Native.ioctl(fd.get(), KvmIoctls.KVM_IRQFD, s.address(),
                    "KVM_IRQFD(%sgsi %d)".formatted(flags != 0 ? "deassign " : "", gsi));
        }
    }

    /**
     * KVM_SIGNAL_MSI: inject a message-signalled interrupt. Returns 1 if delivered, 0 if the guest
     * blocked it.
     */
    public int signalMsi(long address, int data) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_MSI_SIZE)) {
            KvmStructs.msi(s.buffer(), address, data);
            return Native.ioctl(fd.get(), KvmIoctls.KVM_SIGNAL_MSI, s.address(), "KVM_SIGNAL_MSI");
        }
    }

    /**
     * KVM_GET_IRQCHIP for one chip ({@code KvmStructs.KVM_IRQCHIP_PIC_MASTER}, {@code _PIC_SLAVE},
     * {@code _IOAPIC}): the whole 520-byte {@code struct kvm_irqchip}, chip id included, for snapshots.
     */
    public byte[] getIrqchip(int chipId) {
        try (NativeStruct s = new NativeStruct(KvmStructs.KVM_IRQCHIP_SIZE)) {
            s.buffer().putInt(0, chipId);
            Native.ioctl(fd.get(), KvmIoctls.KVM_GET_IRQCHIP, s.address(), "KVM_GET_IRQCHIP(" + chipId + ")");
            return copy(s);
        }
    }

    /** KVM_SET_IRQCHIP with a blob from {@link #getIrqchip} (it names its chip). */
    public void setIrqchip(byte[] irqchip) {
        setRaw(KvmIoctls.KVM_SET_IRQCHIP, KvmStructs.KVM_IRQCHIP_SIZE, irqchip, "KVM_SET_IRQCHIP");
    }

    /** KVM_GET_PIT2: the in-kernel PIT's state (112 bytes). */
    public byte[] getPit2() {
        return getRaw(KvmIoctls.KVM_GET_PIT2, KvmStructs.KVM_PIT_STATE2_SIZE, "KVM_GET_PIT2");
    }

    public void setPit2(byte[] pit) {
        setRaw(KvmIoctls.KVM_SET_PIT2, KvmStructs.KVM_PIT_STATE2_SIZE, pit, "KVM_SET_PIT2");
    }

    /** KVM_GET_CLOCK: the kvmclock as {@code struct kvm_clock_data} (clock ns at offset 0). */
    public byte[] getClock() {
        return getRaw(KvmIoctls.KVM_GET_CLOCK, KvmStructs.KVM_CLOCK_DATA_SIZE, "KVM_GET_CLOCK");
    }

    /** KVM_SET_CLOCK; only clock (offset 0) and flags (offset 8) are honoured by the kernel. */
    public void setClock(byte[] clock) {
        setRaw(KvmIoctls.KVM_SET_CLOCK, KvmStructs.KVM_CLOCK_DATA_SIZE, clock, "KVM_SET_CLOCK");
    }

    private byte[] getRaw(long req, int size, String call) {
        try (NativeStruct s = new NativeStruct(size)) {
            Native.ioctl(fd.get(), req, s.address(), call);
            return copy(s);
        }
    }

    private void setRaw(long req, int size, byte[] data, String call) {
        if (data.length != size) throw new IllegalArgumentException(call + " takes " + size + " bytes, got " + data.length);
        try (NativeStruct s = new NativeStruct(size)) {
            s.buffer().put(0, data);
            Native.ioctl(fd.get(), req, s.address(), call);
        }
    }

    private static byte[] copy(NativeStruct s) {
        byte[] out = new byte[s.size()];
        s.buffer().get(0, out);
        return out;
    }

    /** KVM_CHECK_EXTENSION on the VM fd (some answers are per VM). */
    public int checkExtension(int cap) {
        return Native.ioctl(fd.get(), KvmIoctls.KVM_CHECK_EXTENSION, cap, "KVM_CHECK_EXTENSION(" + cap + ")");
    }

    public int fd() {
        return fd.get();
    }

    /** Closes the VM fd; idempotent. Close the vCPUs first (see the class note). */
    @Override
    public void close() {
        fd.closeOnce();
    }
}
