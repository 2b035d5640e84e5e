package dev.flotilla.kvm;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.kvm.x86.Regs;
import dev.flotilla.kvm.x86.Sregs;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A one-vCPU VM with 64 KiB of RAM at 0 running hand-assembled real-mode code from 0x1000: enough to
 * drive every exit type without any boot code.
 */
final class RealModeGuest implements AutoCloseable {

    static final long CODE = 0x1000;
    static final long RAM = 0x10000;

    final VmFd vm;
    final MmapGuestMemory memory;
    final VcpuFd vcpu;

    RealModeGuest(Kvm kvm, boolean irqchip, byte... code) {
        vm = kvm.createVm();
        if (irqchip) {
            vm.setTssAddr(VmFd.DEFAULT_TSS_ADDRESS);
            vm.createIrqchip();
        }
        memory = MmapGuestMemory.ofSize(RAM);
        vm.registerMemory(memory);
        memory.write(GuestAddress.of(CODE), code);
        vcpu = vm.createVcpu(0);
        Sregs s = vcpu.getSregs();
        s.cs.base = 0;
        s.cs.selector = 0;
        vcpu.setSregs(s);
        Regs r = new Regs();
        r.rip = CODE;
        r.rsp = 0x8000;
        r.rflags = 2;
        vcpu.setRegs(r);
    }

    /** Skips the calling test, loudly, when this host has no usable /dev/kvm. */
    static void assumeKvm() {
        assumeTrue(Files.exists(Path.of("/dev/kvm")), "SKIPPED: no /dev/kvm on this host, real-KVM test not run");
        KvmAvailability a = Kvm.availability();
        assumeTrue(a.usable(), "SKIPPED: " + a.describe());
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    @Override
    public void close() {
        vcpu.close();
        vm.close();
        memory.close();
    }
}
