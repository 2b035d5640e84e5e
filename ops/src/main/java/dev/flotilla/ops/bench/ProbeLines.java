package dev.flotilla.ops.bench;

/** The probe guest's console lines the benchmark waits for (see ops/guest/README.md). */
final class ProbeLines {
    /** Printed once the probe has read its boot information, just before it writes the boot timer. */
    static final String READY = "probe: cpus=";
    /** Printed when {@code probe.hold} makes the guest idle instead of resetting. */
    static final String HOLDING = "probe: holding";

    static final String RESET_CMDLINE = "console=ttyS0";
    static final String HOLD_CMDLINE = "console=ttyS0 probe.hold";

    private ProbeLines() {}
}
