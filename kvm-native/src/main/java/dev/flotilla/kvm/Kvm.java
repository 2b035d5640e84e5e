package dev.flotilla.kvm;

import dev.flotilla.kvm.sys.CpuidLayout;
import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.KvmIoctls;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;
import dev.flotilla.kvm.sys.NativeStruct;
import dev.flotilla.kvm.x86.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code /dev/kvm} system fd: capabilities, supported CPUID, and the factory of {@link VmFd}s.
 * <p>Thread-safety: fully thread-safe; one instance can be shared by every VM in the JVM. Closing it
 * does not affect VMs already created (each VM fd stands on its own in the kernel).
 */
public final class Kvm implements AutoCloseable {

    /** The only KVM API version there has ever been. */
    public static final int API_VERSION = 12;

    private static volatile KvmAvailability availability;

    private final OwnedFd fd;
    private final int vcpuMmapSize;
    private volatile List<CpuidEntry> supportedCpuid;

    private Kvm(int fd) {
        this.fd = new OwnedFd(fd, "/dev/kvm");
        try {
            int api = Native.ioctl(fd, KvmIoctls.KVM_GET_API_VERSION, 0, "KVM_GET_API_VERSION");
            if (api != API_VERSION) {
                throw new NativeException("KVM_GET_API_VERSION", 0,
                        "returned " + api + ", expected " + API_VERSION + ": this kernel's KVM is not supported");
            }
            this.vcpuMmapSize = Native.ioctl(fd, KvmIoctls.KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
        } catch (RuntimeException e) {
            this.fd.close();
            throw e;
        }
    }

    /**
     * What this host offers, probed once per JVM (opens /dev/kvm and creates one VM). Never throws.
     */
    public static KvmAvailability availability() {
        KvmAvailability a = availability;
        if (a == null) {
            synchronized (Kvm.class) {
                a = availability;
                if (a == null) availability = a = KvmProbe.probe();
            }
        }
        return a;
    }

    /** Opens /dev/kvm; throws {@link NativeException} naming the reason (permission, no device). */
    public static Kvm open() {
        return new Kvm(Native.openReadWrite(KvmProbe.DEV_KVM));
    }

    public int apiVersion() {
        return Native.ioctl(fd.get(), KvmIoctls.KVM_GET_API_VERSION, 0, "KVM_GET_API_VERSION");
    }

    /** KVM_CHECK_EXTENSION: 0 if the capability is absent, else a capability-specific positive value. */
    public int checkExtension(int cap) {
        return Native.ioctl(fd.get(), KvmIoctls.KVM_CHECK_EXTENSION, cap, "KVM_CHECK_EXTENSION(" + cap + ")");
    }

    /** Size of each vCPU's kvm_run mapping (kvm_run plus the PIO data page, and more on some hosts). */
    public int vcpuMmapSize() {
        return vcpuMmapSize;
    }

    /** KVM_GET_SUPPORTED_CPUID, fetched once and cached (it does not change while the host runs). */
    public List<CpuidEntry> supportedCpuid() {
        List<CpuidEntry> c = supportedCpuid;
        if (c == null) supportedCpuid = c = fetchCpuid(KvmIoctls.KVM_GET_SUPPORTED_CPUID, "KVM_GET_SUPPORTED_CPUID");
        return c;
    }

    /** KVM_GET_EMULATED_CPUID: features KVM can emulate in software (not cached). */
    public List<CpuidEntry> emulatedCpuid() {
        return fetchCpuid(KvmIoctls.KVM_GET_EMULATED_CPUID, "KVM_GET_EMULATED_CPUID");
    }

    private List<CpuidEntry> fetchCpuid(long req, String call) {
        try (NativeStruct s = new NativeStruct(CpuidLayout.size(CpuidLayout.MAX_ENTRIES))) {
            CpuidLayout.prepareRead(s.buffer(), CpuidLayout.MAX_ENTRIES);
            Native.ioctl(fd.get(), req, s.address(), call);
            return CpuidLayout.read(s.buffer());
        }
    }

    /** KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores for a vCPU (what a snapshot needs). */
    public List<Integer> msrIndexList() {
        return msrList(KvmIoctls.KVM_GET_MSR_INDEX_LIST, "KVM_GET_MSR_INDEX_LIST");
    }

    /** KVM_GET_MSR_FEATURE_INDEX_LIST: feature MSRs readable through the system fd. */
    public List<Integer> msrFeatureIndexList() {
        return msrList(KvmIoctls.KVM_GET_MSR_FEATURE_INDEX_LIST, "KVM_GET_MSR_FEATURE_INDEX_LIST");
    }

    private List<Integer> msrList(long req, String call) {
        int capacity = 256;
        while (true) {
            // struct kvm_msr_list { u32 nmsrs; u32 indices[]; }; E2BIG tells the real count
            try (NativeStruct s = new NativeStruct(4 + 4 * capacity)) {
                s.buffer().putInt(0, capacity);
                int r = Native.libc().ioctl(fd.get(), req, s.address());
                if (r < 0) {
                    int e = Native.errno();
                    if (e == Errno.E2BIG && s.buffer().getInt(0) > capacity) {
                        capacity = s.buffer().getInt(0);
                        continue;
                    }
                    if (e == Errno.EINTR) continue;
                    throw NativeException.of(call, e);
                }
                int n = s.buffer().getInt(0);
                List<Integer> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) out.add(s.buffer().getInt(4 + 4 * i));
                return List.copyOf(out);
            }
        }
    }

    /** KVM_CREATE_VM (machine type 0). The VM is independent of this Kvm afterwards. */
    public VmFd createVm() {
        int vm = Native.ioctl(fd.get(), KvmIoctls.KVM_CREATE_VM, 0, "KVM_CREATE_VM");
        return new VmFd(vm, vcpuMmapSize);
    }

    /** The raw fd, for diagnostics. */
    public int fd() {
        return fd.get();
    }

    /** Closes /dev/kvm; idempotent. */
    @Override
    public void close() {
        fd.closeOnce();
    }
}
