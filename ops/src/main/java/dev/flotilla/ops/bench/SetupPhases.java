package dev.flotilla.ops.bench;

import dev.flotilla.kvm.EventFd;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.VcpuFd;
import dev.flotilla.kvm.VmFd;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.kvm.x86.CpuidEntry;
import dev.flotilla.kvm.x86.Sregs;
import dev.flotilla.kvm.x86.boot.BootConfigurator;
import dev.flotilla.kvm.x86.boot.BootException;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.kvm.x86.boot.BootResult;
import dev.flotilla.kvm.x86.boot.BootSpec;
import dev.flotilla.kvm.x86.boot.KernelImage;
import dev.flotilla.kvm.x86.boot.KernelLoader;
import dev.flotilla.kvm.x86.boot.MemoryLayout;
import dev.flotilla.kvm.x86.cpuid.CpuidPolicy;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.bus.Bus;
import dev.flotilla.vm.console.ConsoleSink;
import dev.flotilla.vm.devices.boottimer.BootTimer;
import dev.flotilla.vm.devices.i8042.I8042;
import dev.flotilla.vm.devices.serial.Serial8250;
import dev.flotilla.vm.vcpu.VcpuEvents;
import dev.flotilla.vm.vcpu.VcpuLoop;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Times the steps of building one VM by calling the kvm-native and boot APIs directly, in the order
 * {@code VmBuilder.build} takes them (it is not instrumented itself; this repeats its calls with a clock
 * around each), then the release. Shows which step a slow set-up spends its time in.
 */
final class SetupPhases {

    static final List<String> NAMES = List.of(
            "mmap guest RAM (MmapGuestMemory.allocate)",
            "KVM_CREATE_VM",
            "KVM_SET_TSS_ADDR + KVM_SET_IDENTITY_MAP_ADDR",
            "KVM_CREATE_IRQCHIP",
            "KVM_CREATE_PIT2",
            "KVM_SET_USER_MEMORY_REGION",
            "kernel load (ELF read + copy)",
            "boot data (cmdline, MP table, ACPI, zero page/PVH, GDT)",
            "KVM_CREATE_VCPU + mmap kvm_run",
            "vCPU CPUID (policy + KVM_SET_CPUID2)",
            "vCPU MSRs, regs, sregs, FPU",
            "vCPU LAPIC (KVM_GET/SET_LAPIC)",
            "irqfds (2 eventfds + KVM_IRQFD)",
            "total set-up",
            "release: close vCPU fds (+ munmap kvm_run)",
            "release: close eventfds",
            "release: close VM fd (KVM tears the VM down)",
            "release: munmap guest RAM",
            "total release",
            "guest: KVM_RUN loop start → boot-timer write (vCPU 0, VcpuLoop on this thread)");

    private SetupPhases() {}

    /** Wall-clock and on-CPU milliseconds of one phase, one sample per round. */
    record Samples(List<Double> wallMs, List<Double> cpuMs) {}

    /**
     * Runs {@code rounds} set-ups and releases on this thread; returns each phase's samples, keyed and
     * ordered by {@link #NAMES}. CPU time is this thread's: wall time well above it means the step
     * waited (in the kernel, for a lock or a grace period) rather than computed.
     */
    static Map<String, Samples> measure(Kvm kvm, Path kernel, int vcpus, long memMib, int rounds,
                                        Progress progress) throws BootException {
        Map<String, Samples> ms = new LinkedHashMap<>();
        NAMES.forEach(n -> ms.put(n, new Samples(new ArrayList<>(), new ArrayList<>())));
        List<CpuidEntry> supported = kvm.supportedCpuid();
        for (int round = 0; round < rounds; round++) {
            progress.tick("set-up phases", round + 1, rounds);
            Clock c = new Clock();
            List<EventFd> eventFds = new ArrayList<>();
            List<VcpuFd> vcpuFds = new ArrayList<>();
            VmFd vm = null;
            MmapGuestMemory memory = null;
            Clock total = new Clock();
            try {
                memory = MmapGuestMemory.allocate(MemoryLayout.ramRegions(memMib * MemoryLayout.MIB));
                c.lap(0);
                vm = kvm.createVm();
                c.lap(1);
                vm.setTssAddr(0xfffb_d000L);
                vm.setIdentityMapAddr(0xfffb_c000L);
                c.lap(2);
                vm.createIrqchip();
                c.lap(3);
                vm.createPit2();
                c.lap(4);
                vm.registerMemory(memory);
                c.lap(5);
                KernelImage image = KernelLoader.load(memory, kernel);
                c.lap(6);
                BootResult boot = BootConfigurator.configure(memory,
                        new BootSpec(image, Optional.empty(), ProbeLines.RESET_CMDLINE, vcpus, List.of(), BootProtocol.AUTO));
                c.lap(7);
                for (int i = 0; i < vcpus; i++) {
                    VcpuFd vcpu = vm.createVcpu(i);
                    vcpuFds.add(vcpu);
                    c.lap(8);
                    vcpu.setCpuid2(CpuidPolicy.forVcpu(supported, i, vcpus));
                    c.lap(9);
                    vcpu.setMsrs(boot.bootMsrs());
                    vcpu.setRegs(boot.bootRegs());
                    Sregs sregs = vcpu.getSregs();
                    boot.configureSregs(sregs);
                    vcpu.setSregs(sregs);
                    vcpu.initFpu();
                    c.lap(10);
                    vcpu.setLapic(boot.configureLapicLint(vcpu.getLapic()));
                    c.lap(11);
                }
                for (int gsi : new int[] {4, 1}) {
                    EventFd ev = EventFd.create();
                    eventFds.add(ev);
                    vm.registerIrqfd(ev.fd(), gsi);
                }
                c.lap(12);
                total.lap(13);
                runGuestToBootTimer(vcpuFds.get(0), memory, eventFds, c);
            } finally {
                // the order of a real VM's end: vCPU loops close their fds, then VmResources.close
                c.restart();
                total.restart();
                vcpuFds.forEach(VcpuFd::close);
                c.lap(14);
                eventFds.forEach(EventFd::close);
                c.lap(15);
                if (vm != null) vm.close();
                c.lap(16);
                if (memory != null) memory.close();
                c.lap(17);
                total.lap(18);
                c.addTo(ms);
                total.addTo(ms);
            }
        }
        return ms;
    }

    /**
     * Runs vCPU 0 through the same {@link VcpuLoop} and devices a MicroVm uses, on this thread, and
     * stops it at the boot-timer write: how long the guest itself takes, without actors or thread start.
     */
    private static void runGuestToBootTimer(VcpuFd vcpu, MmapGuestMemory memory, List<EventFd> irqs, Clock c) {
        VcpuLoop[] loop = new VcpuLoop[1];
        boolean[] booted = new boolean[1];
        Serial8250 serial = new Serial8250(irqs.get(0)::signal, new ConsoleSink(4096, null));
        I8042 i8042 = new I8042(irqs.get(1)::signal, () -> loop[0].requestStop());
        BootTimer timer = new BootTimer(nanos -> {
            c.lap(19);
            booted[0] = true;
            loop[0].requestStop();
        });
        Bus pio = Bus.builder()
                .add("serial-com1", Serial8250.COM1_PORT, Serial8250.REGISTER_COUNT, serial)
                .add("i8042", I8042.BASE_PORT, I8042.PORT_COUNT, i8042)
                .build();
        Bus mmio = Bus.builder().add("boot-timer", BootTimer.MMIO_BASE, BootTimer.MMIO_SIZE, timer).build();
        loop[0] = new VcpuLoop("phases", 0, vcpu, memory, pio, mmio, new VcpuEvents() {
            @Override public void paused(int index) { }
            @Override public void resumed(int index) { }
            @Override public void guestEnded(int index, EndReason reason) { }
            @Override public void exited(int index) { }
        });
        c.restart();
        loop[0].run();   // returns once stopped; it closes the vCPU fd itself (close is idempotent)
        if (!booted[0]) {
            throw new IllegalStateException("the probe guest ended without writing the boot timer in the set-up phase run");
        }
    }

    /** Accumulates wall and thread-CPU time since the previous lap into a phase (vCPU phases add up). */
    private static final class Clock {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        private final double[] wall = new double[NAMES.size()];
        private final double[] cpu = new double[NAMES.size()];
        private final boolean[] seen = new boolean[NAMES.size()];
        private long lastWall;
        private long lastCpu;

        Clock() {
            restart();
        }

        void restart() {
            lastWall = System.nanoTime();
            lastCpu = THREADS.getCurrentThreadCpuTime();
        }

        void lap(int phase) {
            long nowWall = System.nanoTime();
            long nowCpu = THREADS.getCurrentThreadCpuTime();
            wall[phase] += (nowWall - lastWall) / 1e6;
            cpu[phase] += (nowCpu - lastCpu) / 1e6;
            seen[phase] = true;
            lastWall = nowWall;
            lastCpu = nowCpu;
        }

        void addTo(Map<String, Samples> ms) {
            for (int i = 0; i < wall.length; i++) {
                if (!seen[i]) continue;
                Samples s = ms.get(NAMES.get(i));
                s.wallMs().add(wall[i]);
                s.cpuMs().add(cpu[i]);
            }
        }
    }
}
