package dev.flotilla.kvm.x86.boot;

/** Control-register and EFER bits used to enter protected or long mode. */
public final class ControlBits {
    public static final long CR0_PE = 1L;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;

    private ControlBits() {}
}
