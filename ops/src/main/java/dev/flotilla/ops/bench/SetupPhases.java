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
            "total release");

    private SetupPhases() {}

    /** Runs {@code rounds} set-ups; returns the milliseconds of each phase per round, keyed by {@link #NAMES}. */
    static Map<String, List<Double>> measure(Kvm kvm, Path kernel, int vcpus, long memMib, int rounds,
                                             Progress progress) throws BootException {
        Map<String, List<Double>> ms = new LinkedHashMap<>();
        NAMES.forEach(n -> ms.put(n, new ArrayList<>()));
        List<CpuidEntry> supported = kvm.supportedCpuid();
        for (int round = 0; round < rounds; round++) {
            progress.tick("set-up phases", round + 1, rounds);
            Clock c = new Clock(ms);
            List<EventFd> eventFds = new ArrayList<>();
            List<VcpuFd> vcpuFds = new ArrayList<>();
            VmFd vm = null;
            MmapGuestMemory memory = null;
            long start = System.nanoTime();
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
                ms.get(NAMES.get(13)).add((System.nanoTime() - start) / 1e6);
            } finally {
                // the order of a real VM's end: vCPU loops close their fds, then VmResources.close
                long releaseStart = System.nanoTime();
                c.restart();
                vcpuFds.forEach(VcpuFd::close);
                c.lap(14);
                eventFds.forEach(EventFd::close);
                c.lap(15);
                if (vm != null) vm.close();
                c.lap(16);
                if (memory != null) memory.close();
                c.lap(17);
                ms.get(NAMES.get(18)).add((System.nanoTime() - releaseStart) / 1e6);
            }
        }
        return ms;
    }

    /** Accumulates the time since the previous lap into a phase (vCPU phases add up over the vCPUs). */
    private static final class Clock {
        private final Map<String, List<Double>> ms;
        private final double[] acc = new double[NAMES.size()];
        private final boolean[] seen = new boolean[NAMES.size()];
        private long last = System.nanoTime();

        Clock(Map<String, List<Double>> ms) {
            this.ms = ms;
        }

        void restart() {
            last = System.nanoTime();
        }

        void lap(int phase) {
            long now = System.nanoTime();
            acc[phase] += (now - last) / 1e6;
            last = now;
            if (!seen[phase]) {
                seen[phase] = true;
                // record a slot now; its value is updated as later vCPUs add to it
                ms.get(NAMES.get(phase)).add(0.0);
            }
            List<Double> l = ms.get(NAMES.get(phase));
            l.set(l.size() - 1, acc[phase]);
        }
    }
}
