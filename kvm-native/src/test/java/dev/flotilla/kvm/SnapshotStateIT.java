package dev.flotilla.kvm;

import dev.flotilla.kvm.sys.KvmStructs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.flotilla.kvm.RealModeGuest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The opaque state blobs a snapshot needs come out of one VM and go into another unchanged. */
class SnapshotStateIT {

    private static Kvm kvm;

    @BeforeAll
    static void open() {
        RealModeGuest.assumeKvm();
        kvm = Kvm.open();
    }

    @AfterAll
    static void close() {
        if (kvm != null) kvm.close();
    }

    @Test
    void vcpuAndVmStateRoundTripIntoAFreshVm() {
        try (var a = new RealModeGuest(kvm, true, bytes(0xF4)); var b = new RealModeGuest(kvm, true, bytes(0xF4))) {
            a.vm.createPit2();
            b.vm.createPit2();
            byte[] xsave = a.vcpu.getXsave();
            int mxcsr = ByteBuffer.wrap(xsave).order(ByteOrder.LITTLE_ENDIAN).getInt(24);
            System.out.println("[kvm] MXCSR of a fresh vCPU (from KVM_GET_XSAVE): 0x" + Integer.toHexString(mxcsr));
            assertEquals(0x1f80, mxcsr, "power-on MXCSR");

            ByteBuffer x = ByteBuffer.wrap(xsave).order(ByteOrder.LITTLE_ENDIAN);
            x.putShort(0, (short) 0x27f);                  // fcw
            x.putLong(512, x.getLong(512) | 1);            // XSTATE_BV.x87, else the x87 area counts as init state
            b.vcpu.setXsave(xsave);
            assertEquals(0x27f, ByteBuffer.wrap(b.vcpu.getXsave()).order(ByteOrder.LITTLE_ENDIAN).getShort(0));

            b.vcpu.setXcrs(a.vcpu.getXcrs());
            assertArrayEquals(a.vcpu.getXcrs(), b.vcpu.getXcrs());
            b.vcpu.setDebugRegs(a.vcpu.getDebugRegs());
            b.vcpu.setVcpuEvents(a.vcpu.getVcpuEvents());

            a.vm.irqLine(4, true);   // a visible difference in the IOAPIC state: IRR of pin 4
            byte[] ioapic = a.vm.getIrqchip(KvmStructs.KVM_IRQCHIP_IOAPIC);
            assertEquals(KvmStructs.KVM_IRQCHIP_IOAPIC, ioapic[0]);
            b.vm.setIrqchip(ioapic);
            assertArrayEquals(ioapic, b.vm.getIrqchip(KvmStructs.KVM_IRQCHIP_IOAPIC));
            for (int chip : new int[] {KvmStructs.KVM_IRQCHIP_PIC_MASTER, KvmStructs.KVM_IRQCHIP_PIC_SLAVE}) {
                b.vm.setIrqchip(a.vm.getIrqchip(chip));
            }

            byte[] pit = a.vm.getPit2();
            b.vm.setPit2(pit);
            byte[] clock = a.vm.getClock();
            long ns = ByteBuffer.wrap(clock).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertTrue(ns >= 0, "kvmclock " + ns);
            b.vm.setClock(new byte[KvmStructs.KVM_CLOCK_DATA_SIZE]);
            a.vm.irqLine(4, false);
        }
    }
}
