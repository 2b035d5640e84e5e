package dev.flotilla.kvm;

import dev.flotilla.kvm.memory.GuestAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.flotilla.kvm.RealModeGuest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exits of tiny real-mode guests on the real /dev/kvm, decoded and answered. */
class VcpuRunIT {

    private static Kvm kvm;

    @BeforeAll
    static void open() {
        RealModeGuest.assumeKvm();
        System.out.println("[kvm] " + Kvm.availability().describe());
        kvm = Kvm.open();
    }

    @AfterAll
    static void close() {
        if (kvm != null) kvm.close();
    }

    @Test
    void serialWriteThenHltWithoutIrqchip() {
        // mov dx,0x3f8; mov al,'A'; out dx,al; hlt
        try (var g = new RealModeGuest(kvm, false, bytes(0xBA, 0xF8, 0x03, 0xB0, 0x41, 0xEE, 0xF4))) {
            VcpuExit out = g.vcpu.run();
            assertEquals(new VcpuExit.IoOut(0x3f8, 1, new byte[] {'A'}), out);
            assertEquals(VcpuExit.HLT, g.vcpu.run());
            assertEquals(RealModeGuest.CODE + 7, g.vcpu.getRegs().rip, "rip after hlt");
        }
    }

    @Test
    void portReadIsAnsweredWithCompleteIo() {
        // mov dx,0x3f8; in al,dx; inc dx; out dx,al; hlt
        try (var g = new RealModeGuest(kvm, false, bytes(0xBA, 0xF8, 0x03, 0xEC, 0x42, 0xEE, 0xF4))) {
            assertEquals(new VcpuExit.IoIn(0x3f8, 1, 1), g.vcpu.run());
            g.vcpu.completeIo(new byte[] {0x5a});
            assertEquals(new VcpuExit.IoOut(0x3f9, 1, new byte[] {0x5a}), g.vcpu.run());
            assertEquals(VcpuExit.HLT, g.vcpu.run());
        }
    }

    @Test
    void mmioWriteAndReadOutsideRamAreDecoded() {
        // mov ax,0x2000; mov ds,ax; mov byte [0x10],0x7b; mov ax,[0x20]; mov dx,0x3f8; out dx,ax; hlt
        byte[] code = bytes(0xB8, 0x00, 0x20, 0x8E, 0xD8, 0xC6, 0x06, 0x10, 0x00, 0x7B,
                0xA1, 0x20, 0x00, 0xBA, 0xF8, 0x03, 0xEF, 0xF4);
        try (var g = new RealModeGuest(kvm, false, code)) {
            assertEquals(new VcpuExit.MmioWrite(0x20010, new byte[] {0x7b}), g.vcpu.run());
            VcpuExit read = g.vcpu.run();
            assertEquals(new VcpuExit.MmioRead(0x20020, 2), read);
            assertThrows(IllegalArgumentException.class, () -> g.vcpu.completeIo(new byte[1]), "wrong length");
            g.vcpu.completeIo(0xBEEF);
            assertEquals(new VcpuExit.IoOut(0x3f8, 2, new byte[] {(byte) 0xEF, (byte) 0xBE}), g.vcpu.run());
            assertEquals(VcpuExit.HLT, g.vcpu.run());
            assertThrows(IllegalStateException.class, () -> g.vcpu.completeIo(new byte[1]), "nothing pending");
        }
    }

    @Test
    void repOutsbDeliversAllBytes() {
        // mov si,0x2000; mov cx,3; mov dx,0x3f8; rep outsb; hlt
        try (var g = new RealModeGuest(kvm, false,
                bytes(0xBE, 0x00, 0x20, 0xB9, 0x03, 0x00, 0xBA, 0xF8, 0x03, 0xF3, 0x6E, 0xF4))) {
            g.memory.write(GuestAddress.of(0x2000), "abc".getBytes());
            StringBuilder seen = new StringBuilder();
            VcpuExit e;
            while ((e = g.vcpu.run()) instanceof VcpuExit.IoOut out) {
                assertEquals(0x3f8, out.port());
                seen.append(new String(out.data()));
            }
            assertEquals("abc", seen.toString());
            assertEquals(VcpuExit.HLT, e);
        }
    }

    /** What this host does with instructions an emulator may lack; each gets an IVT (#BP, #UD) pointing at a hlt. */
    private VcpuExit runUnusual(byte[] insn) {
        byte[] code = new byte[insn.length + 1];
        System.arraycopy(insn, 0, code, 0, insn.length);
        code[insn.length] = (byte) 0xF4;
        try (var g = new RealModeGuest(kvm, false, code)) {
            for (int vector : new int[] {3, 6, 7, 13}) g.memory.writeU16(GuestAddress.of(vector * 4L), 0x1100);
            g.memory.writeU8(GuestAddress.of(0x1100), 0xF4);
            return g.vcpu.run();
        }
    }

    @Test
    void emulationFailureCarriesTheInstructionBytes() {
        String[][] candidates = {
                {"int3", "cc"}, {"ud2", "0f0b"}, {"popcnt ax,ax", "f30fb8c0"}, {"pxor xmm0,xmm0", "660fefc0"},
                {"fninit", "dbe3"}, {"movd xmm0,eax", "660f6ec0"}};
        VcpuExit.InternalError failure = null;
        for (String[] c : candidates) {
            byte[] insn = java.util.HexFormat.of().parseHex(c[1]);
            VcpuExit e = runUnusual(insn);
            System.out.println("[kvm] real mode, " + c[0] + " on " + Kvm.availability().status() + ": " + e);
            assertTrue(e == VcpuExit.HLT || e instanceof VcpuExit.InternalError || e == VcpuExit.SHUTDOWN,
                    c[0] + ": unexpected " + e);
            if (e instanceof VcpuExit.InternalError ie) {
                assertEquals(VcpuExit.InternalError.EMULATION, ie.suberror(), ie.toString());
                byte[] got = ie.instructionBytes();
                assertTrue(got.length >= insn.length, c[0] + ": instruction bytes " + ie);
                assertArrayEquals(insn, java.util.Arrays.copyOf(got, insn.length), c[0] + ": " + ie);
                assertTrue(ie.describe().contains(java.util.HexFormat.ofDelimiter(" ").formatHex(insn)), ie.describe());
                failure = ie;
            }
        }
        if (Kvm.availability().status() == KvmAvailability.Status.PVM) {
            assertTrue(failure != null, "kvm_pvm's emulator should fail on at least one of the SSE/popcnt instructions");
        }
    }

    @Test
    void pioExitRoundTripsDecodeEveryExit() {
        // mov dx,0x3f8; l: out dx,al; jmp l
        try (var g = new RealModeGuest(kvm, false, bytes(0xBA, 0xF8, 0x03, 0xEE, 0xEB, 0xFD))) {
            for (int i = 0; i < 500; i++) g.vcpu.run();            // warm-up (JIT, jnr stubs)
            int n = 5000;
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (!(g.vcpu.run() instanceof VcpuExit.IoOut)) throw new AssertionError("expected IoOut");
            }
            double us = (System.nanoTime() - start) / 1000.0 / n;   // printed: speed is for benchmarks
            System.out.printf("[kvm] PIO exit round trip (KVM_RUN + decode): %.1f us/exit on %s%n", us, Kvm.availability().status());
        }
    }

    @Test
    void runAfterCloseThrowsInsteadOfTouchingTheMapping() {
        var g = new RealModeGuest(kvm, false, bytes(0xF4));
        g.close();
        g.close();
        assertThrows(IllegalStateException.class, g.vcpu::run);
        assertThrows(IllegalStateException.class, () -> g.memory.readU8(GuestAddress.of(0)));
    }
}
