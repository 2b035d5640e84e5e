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
        /**
         * The VM could not be built from what the user gave: a kernel, initrd or drive that is missing, not a
         * regular file, swapped for a link since it was accepted, or not a valid image; a configuration the
         * builder refused. The user's to fix (the API answers 400), unlike {@link #VMM_ERROR}.
         */
        INVALID_CONFIG("invalid-config", false),
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

    /**
     * Why a build failed: {@link Kind#INVALID_CONFIG} when the cause (or one it wraps) is the user's input —
     * a host file refused by its root's checks, a kernel image that does not load, a refused configuration —
     * else {@link Kind#VMM_ERROR}.
     */
    public static EndReason ofBuildFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof dev.flotilla.kvm.hostfs.HostFileException
                    || t instanceof dev.flotilla.kvm.x86.boot.KernelLoadException
                    || t instanceof dev.flotilla.vm.config.InvalidConfigException) {
                return of(Kind.INVALID_CONFIG, messageOf(cause));
            }
        }
        return of(Kind.VMM_ERROR, messageOf(cause));
    }

    private static String messageOf(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    @Override
    public String toString() {
        return detail.isEmpty() ? kind.label() : kind.label() + " (" + detail + ")";
    }
}
