package dev.flotilla.kvm;

import dev.flotilla.kvm.KvmAvailability.Status;
import dev.flotilla.kvm.sys.Errno;
import dev.flotilla.kvm.sys.KvmIoctls;
import dev.flotilla.kvm.sys.LibC;
import dev.flotilla.kvm.sys.Native;
import dev.flotilla.kvm.sys.NativeException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds out what {@link KvmAvailability} this host offers. Package-private: use {@link Kvm#availability()}. */
final class KvmProbe {

    static final String DEV_KVM = "/dev/kvm";

    private KvmProbe() {}

    static KvmAvailability probe() {
        try {
            return probeOrThrow();
        } catch (Throwable t) {
            return new KvmAvailability(Status.UNUSABLE, "probe failed: " + t, "report this as a bug");
        }
    }

    private static KvmAvailability probeOrThrow() {
        if (!Files.exists(Path.of(DEV_KVM))) {
            return new KvmAvailability(Status.ABSENT, "no " + DEV_KVM,
                    "load kvm_intel or kvm_amd, or run on a host with virtualization");
        }
        if (Native.loadFailure() != null) {
            return new KvmAvailability(Status.UNUSABLE, "cannot load libc through jnr-ffi: " + Native.loadFailure(),
                    "check that the jffi native library can be extracted (java.io.tmpdir writable, not noexec)");
        }
        LibC libc = Native.libc();
        int fd = libc.open(DEV_KVM, LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0) {
            int e = Native.errno();
            if (e == Errno.EACCES || e == Errno.EPERM) {
                return new KvmAvailability(Status.NO_PERMISSION, "open(" + DEV_KVM + "): " + Errno.describe(e),
                        "add the user to group kvm (usermod -aG kvm $USER, then log in again) "
                                + "or grant access: setfacl -m u:$USER:rw " + DEV_KVM);
            }
            if (e == Errno.ENOENT || e == Errno.ENODEV || e == Errno.ENXIO) {
                return new KvmAvailability(Status.ABSENT, "open(" + DEV_KVM + "): " + Errno.describe(e),
                        "load kvm_intel or kvm_amd, or run on a host with virtualization");
            }
            return new KvmAvailability(Status.UNUSABLE, "open(" + DEV_KVM + "): " + Errno.describe(e), "");
        }
        try {
            int api = libc.ioctl(fd, KvmIoctls.KVM_GET_API_VERSION, 0);
            if (api != Kvm.API_VERSION) {
                return new KvmAvailability(Status.UNUSABLE, "KVM_GET_API_VERSION returned " + api
                        + (api < 0 ? " (" + Errno.describe(Native.errno()) + ")" : "") + ", expected 12",
                        "this kernel's KVM is not supported");
            }
            int vm;
            try {
                vm = Native.ioctl(fd, KvmIoctls.KVM_CREATE_VM, 0, "KVM_CREATE_VM");
            } catch (NativeException e) {
                return new KvmAvailability(Status.UNUSABLE, e.getMessage(),
                        "another hypervisor may hold the virtualization extensions, or the host is out of memory");
            }
            Native.closeQuietly(vm);
        } finally {
            Native.closeQuietly(fd);
        }
        return flavour();
    }

    private static KvmAvailability flavour() {
        boolean pvm = Files.isDirectory(Path.of("/sys/module/kvm_pvm"));
        boolean intel = Files.isDirectory(Path.of("/sys/module/kvm_intel"));
        boolean amd = Files.isDirectory(Path.of("/sys/module/kvm_amd"));
        String flags = cpuFlags();
        boolean vmx = flags.contains(" vmx "), svm = flags.contains(" svm ");
        String found = "API 12"
                + (pvm ? ", kvm_pvm loaded" : "") + (intel ? ", kvm_intel loaded" : "") + (amd ? ", kvm_amd loaded" : "")
                + (vmx ? ", cpu has vmx" : svm ? ", cpu has svm" : ", no vmx/svm in /proc/cpuinfo");
        if (pvm && !intel && !amd) {
            return new KvmAvailability(Status.PVM, found,
                    "Guests built for it (the probe guest) run; for an unmodified Linux guest to boot fully, "
                            + "use a host with VT-x or AMD-V.");
        }
        return new KvmAvailability(Status.HARDWARE, found, "");
    }

    private static String cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) return " " + line.substring(line.indexOf(':') + 1).trim() + " ";
            }
        } catch (IOException | RuntimeException ignored) {
            // no cpuinfo (containers); the module check still decides
        }
        return " ";
    }
}
