package dev.flotilla.vm;

/**
 * Why a microVM ended. {@link Kind#guestInitiated()} separates a guest that finished by itself (reset,
 * power-off) from one that was stopped or failed; the CLI maps that to its exit status.
 */
public record EndReason(Kind kind, String detail) {

    public enum Kind {
        /** The guest reset the machine (i8042 pulse, KVM system event reset). */
        RESET("reset", true),
        /** The guest powered off (KVM system event shutdown). */
        POWEROFF("poweroff", true),
        /** KVM_EXIT_SHUTDOWN: a triple fault. */
        TRIPLE_FAULT("shutdown", false),
        /** The user asked for the stop. */
        STOPPED("stopped", false),
        /** The VM did not finish within the time it was given. */
        TIMEOUT("timeout", false),
        /** KVM could not emulate a guest instruction (kvm_pvm hosts hit this with unmodified guests). */
        EMULATION_FAILURE("emulation-failure", false),
        /** KVM_EXIT_FAIL_ENTRY, or another internal KVM error. */
        KVM_ERROR("kvm-error", false),
        /** The VM could not be built or a VMM part failed: host-side problem. */
        VMM_ERROR("vmm-error", false);

        private final String label;
        private final boolean guestInitiated;

        Kind(String label, boolean guestInitiated) {
            this.label = label;
            this.guestInitiated = guestInitiated;
        }

        public String label() { return label; }

        public boolean guestInitiated() { return guestInitiated; }
    }

    public EndReason {
        java.util.Objects.requireNonNull(kind, "kind");
        detail = detail == null ? "" : detail;
    }

    public static EndReason of(Kind kind, String detail) {
        return new EndReason(kind, detail);
    }

    @Override
    public String toString() {
        return detail.isEmpty() ? kind.label() : kind.label() + " (" + detail + ")";
    }
}
