package dev.flotilla.vm;

import dev.flotilla.kvm.EventFd;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.VcpuFd;
import dev.flotilla.kvm.VmFd;
import dev.flotilla.kvm.hostfs.FileUse;
import dev.flotilla.kvm.hostfs.HostFile;
import dev.flotilla.kvm.hostfs.HostFiles;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.kvm.x86.CpuidEntry;
import dev.flotilla.kvm.x86.Sregs;
import dev.flotilla.kvm.x86.boot.BootConfigurator;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.kvm.x86.boot.BootResult;
import dev.flotilla.kvm.x86.boot.BootSpec;
import dev.flotilla.kvm.x86.boot.Initrd;
import dev.flotilla.kvm.x86.boot.KernelImage;
import dev.flotilla.kvm.x86.boot.KernelLoader;
import dev.flotilla.kvm.x86.cpuid.CpuidPolicy;
import dev.flotilla.vm.bus.Bus;
import dev.flotilla.vm.bus.IrqTrigger;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.devices.boottimer.BootTimer;
import dev.flotilla.vm.devices.i8042.I8042;
import dev.flotilla.vm.devices.serial.Serial8250;
import dev.flotilla.vm.pool.BareVm;
import dev.flotilla.vm.pool.VmPool;
import dev.flotilla.vm.pool.VmShape;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Assembles one microVM from its spec: guest RAM, the KVM VM with in-kernel irqchip and PIT, the kernel
 * and boot data, the vCPUs (CPUID, MSRs, registers, LAPIC), and the legacy devices on the PIO and MMIO
 * buses. Blocking (mmap, file reads): it runs on the blocking dispatcher, never on an actor's thread.
 * On any failure everything built so far is released before the error propagates.
 * <p>With a {@link VmPool} the first part (RAM, VM fd, TSS, irqchip, PIT, memory slots: a {@link BareVm})
 * comes pre-made when one is ready; everything guest-specific is still done here, per request.
 */
public final class VmBuilder {

    private VmBuilder() {}

    /**
     * Builds cold: every step on this thread, as without a pool. Host files are opened as the operator named
     * them ({@link HostFiles#unconfined()}): for VMs started by hand and tests; the daemon passes its roots.
     */
    public static VmResources build(Kvm kvm, VmSpec spec, BootProtocol protocol, ConsoleSink console, VmHooks hooks) {
        return buildWith(kvm, null, HostFiles.unconfined(), spec, protocol, console, hooks);
    }

    /**
     * Builds with every host file (kernel, initrd, drives, vsock socket) opened beneath its root in
     * {@code files}, and checked there at this build: a file swapped for a link, a FIFO or a device since the
     * path was accepted fails the build with a message naming the file. From {@code pool} when one of the
     * spec's shape is ready.
     */
    public static VmResources build(Kvm kvm, HostFiles files, Optional<VmPool> pool, VmSpec spec, BootProtocol protocol,
                                    ConsoleSink console, VmHooks hooks) {
        return buildWith(kvm, pool.orElse(null), Objects.requireNonNull(files, "files"), spec, protocol, console, hooks);
    }

    /**
     * As {@link #build(Kvm, VmSpec, BootProtocol, ConsoleSink, VmHooks)}, but starts from a pre-created VM
     * of {@code pool} when one of the spec's shape is ready (guest RAM, VM fd, irqchip, PIT, memory slots
     * already set up); otherwise builds cold, with the same result. The request path then only loads the
     * kernel, writes the boot data and creates the vCPUs and devices.
     */
    public static VmResources build(Kvm kvm, VmPool pool, VmSpec spec, BootProtocol protocol, ConsoleSink console,
                                    VmHooks hooks) {
        return buildWith(kvm, Objects.requireNonNull(pool, "pool"), HostFiles.unconfined(), spec, protocol, console, hooks);
    }

    private static VmResources buildWith(Kvm kvm, VmPool pool, HostFiles files, VmSpec spec, BootProtocol protocol,
                                         ConsoleSink console, VmHooks hooks) {
        Deque<AutoCloseable> undo = new ArrayDeque<>();
        try {
            int vcpuCount = spec.machineConfig().vcpuCount();
            BareVm bare = bareVm(kvm, pool, spec.machineConfig());
            MmapGuestMemory memory = bare.memory();
            undo.push(memory);
            VmFd vm = bare.vm();
            undo.push(vm);

            Bus.Builder mmioBus = Bus.builder();
            VirtioAttacher virtio = new VirtioAttacher(spec.id(), vm, memory, mmioBus, files, undo);
            List<AttachedDevice> devices = virtio.attachAll(spec.devices());
            // Devices are announced both on the command line (kernels built with virtio_mmio cmdline
            // devices) and in the DSDT (kernels that find them through ACPI, like Debian's).
            StringBuilder cmdline = new StringBuilder(
                    VirtioAttacher.withKernelArgs(spec.bootSource().bootArgs(), virtio.kernelArgs()));
            for (var slot : virtio.slots()) cmdline.append(' ').append(slot.cmdlineDevice());

            BootResult boot;
            // Kernel and initrd are read through their fds during the build only; closed right after.
            try (HostFile kernelFile = files.open(spec.bootSource().kernelImagePath(), FileUse.KERNEL);
                 HostFile initrdFile = spec.bootSource().initrdPath().isEmpty() ? null
                         : files.open(spec.bootSource().initrdPath().get(), FileUse.INITRD)) {
                KernelImage kernel = KernelLoader.load(memory, kernelFile);
                BootSpec bootSpec = new BootSpec(kernel, Optional.ofNullable(initrdFile).map(Initrd::of),
                        cmdline.toString(), vcpuCount, virtio.slots(), protocol);
                boot = BootConfigurator.configure(memory, bootSpec);
            }

            List<CpuidEntry> supported = kvm.supportedCpuid();
            List<VcpuFd> vcpus = new ArrayList<>(vcpuCount);
            for (int i = 0; i < vcpuCount; i++) {
                VcpuFd vcpu = vm.createVcpu(i);
                undo.push(vcpu);
                vcpus.add(vcpu);
                vcpu.setCpuid2(CpuidPolicy.forVcpu(supported, i, vcpuCount));
                vcpu.setMsrs(boot.bootMsrs());
                vcpu.setRegs(boot.bootRegs());
                Sregs sregs = vcpu.getSregs();
                boot.configureSregs(sregs);
                vcpu.setSregs(sregs);
                vcpu.initFpu();
                vcpu.setLapic(boot.configureLapicLint(vcpu.getLapic()));
            }

            // Legacy devices. Their interrupts go through irqfds: one eventfd write per edge, no ioctl.
            IrqTrigger com1Irq = irqfd(vm, Serial8250.COM1_IRQ, undo);
            IrqTrigger kbdIrq = irqfd(vm, I8042.KEYBOARD_IRQ, undo);
            Serial8250 serial = new Serial8250(com1Irq, console);
            I8042 i8042 = new I8042(kbdIrq, hooks::guestReset);
            BootTimer bootTimer = new BootTimer(hooks::bootTimerFired);
            Bus pio = Bus.builder()
                    .add("serial-com1", Serial8250.COM1_PORT, Serial8250.REGISTER_COUNT, serial)
                    .add("i8042", I8042.BASE_PORT, I8042.PORT_COUNT, i8042)
                    .build();
            Bus mmio = mmioBus
                    .add("boot-timer", BootTimer.MMIO_BASE, BootTimer.MMIO_SIZE, bootTimer)
                    .build();

            String summary = "%s boot of %s, %d vCPU(s), %d MiB, entry %s".formatted(
                    boot.protocol().name().toLowerCase().replace("_", ""), spec.bootSource().kernelImagePath().getFileName(),
                    vcpuCount, spec.machineConfig().memSizeMib(), boot.entry());
            List<AutoCloseable> owned = new ArrayList<>();
            while (!undo.isEmpty()) {
                AutoCloseable c = undo.pop();
                // vCPU fds are closed by their loops; the rest goes with the resources
                if (!(c instanceof VcpuFd) && c != vm && c != memory) owned.add(c);
            }
            return new VmResources(vm, memory, vcpus, pio, mmio, console, i8042, summary, owned, devices);
        } catch (RuntimeException | Error e) {
            closeAll(undo, e);
            throw e;
        } catch (Exception e) {
            closeAll(undo, e);
            throw new VmBuildException("cannot build VM " + spec.id() + ": " + e.getMessage(), e);
        }
    }

    /** A pooled VM of the spec's shape if one is ready, else one made now (the steps that wait in the kernel). */
    private static BareVm bareVm(Kvm kvm, VmPool pool, MachineConfig machine) {
        Optional<VmShape> shape = VmShape.of(machine);
        // sizes and settings the pool does not keep are built exactly as before pools existed
        VmShape cold = shape.orElseGet(() -> new VmShape(machine.memSizeMib()));
        if (pool == null || shape.isEmpty()) return BareVm.create(kvm, cold);
        return pool.take(shape.get()).orElseGet(() -> BareVm.create(kvm, cold));
    }

    private static IrqTrigger irqfd(VmFd vm, int gsi, Deque<AutoCloseable> undo) {
        EventFd ev = EventFd.create();
        undo.push(ev);
        vm.registerIrqfd(ev.fd(), gsi);
        return ev::signal;
    }

    private static void closeAll(Deque<AutoCloseable> undo, Throwable primary) {
        while (!undo.isEmpty()) {
            try {
                undo.pop().close();
            } catch (Exception suppressed) {
                primary.addSuppressed(suppressed);
            }
        }
    }

    /** A VM could not be built; the message says why and what to change. */
    public static final class VmBuildException extends RuntimeException {
        public VmBuildException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
