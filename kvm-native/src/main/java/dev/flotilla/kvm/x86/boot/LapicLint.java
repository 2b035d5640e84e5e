package dev.flotilla.kvm.x86.boot;

/**
 * Programs the local APIC's LINT pins in a {@code kvm_lapic_state} register page, as a PC wires them:
 * LINT0 takes the 8259's ExtINT, LINT1 the NMI. Without this Linux finds no legacy interrupt path.
 */
public final class LapicLint {

    public static final int LAPIC_STATE_SIZE = 1024;
    public static final int APIC_LVT0 = 0x350;
    public static final int APIC_LVT1 = 0x360;
    public static final int DELIVERY_EXTINT = 0x7;
    public static final int DELIVERY_NMI = 0x4;

    private LapicLint() {}

    /** A copy of {@code lapicState} with LVT LINT0 = ExtINT and LINT1 = NMI (other bits kept). */
    public static byte[] configure(byte[] lapicState) {
        if (lapicState.length != LAPIC_STATE_SIZE) {
            throw new IllegalArgumentException("kvm_lapic_state is %d bytes, got %d"
                    .formatted(LAPIC_STATE_SIZE, lapicState.length));
        }
        byte[] s = lapicState.clone();
        put(s, APIC_LVT0, withDeliveryMode(get(s, APIC_LVT0), DELIVERY_EXTINT));
        put(s, APIC_LVT1, withDeliveryMode(get(s, APIC_LVT1), DELIVERY_NMI));
        return s;
    }

    static int withDeliveryMode(int reg, int mode) {
        return (reg & ~0x700) | (mode << 8);
    }

    static int get(byte[] s, int off) {
        return (s[off] & 0xff) | (s[off + 1] & 0xff) << 8 | (s[off + 2] & 0xff) << 16 | (s[off + 3] & 0xff) << 24;
    }

    private static void put(byte[] s, int off, int v) {
        for (int i = 0; i < 4; i++) s[off + i] = (byte) (v >>> (8 * i));
    }
}
