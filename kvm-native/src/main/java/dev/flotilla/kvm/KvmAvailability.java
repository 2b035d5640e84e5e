package dev.flotilla.kvm;

import java.util.Objects;

/**
 * What this host's KVM can do for us, found once per JVM by {@link Kvm#availability()} (which never
 * throws). Tests, the CLI and the API use it to say plainly why a VM cannot run, or how it will run.
 *
 * @param status the flavour, or why KVM is unusable
 * @param detail what was found (device, module, API version)
 * @param advice what the user can do; empty when nothing is needed
 */
public record KvmAvailability(Status status, String detail, String advice) {

    public enum Status {
        /** VT-x or AMD-V: guests run natively. */
        HARDWARE,
        /**
         * kvm_pvm (pagetable-based virtualization, no VT-x/AMD-V): the whole KVM API works, but a guest
         * that is not PVM-aware runs under KVM's instruction emulator (~3M instructions/s) and stops at the
         * first instruction it cannot emulate (int3, SSE, xrstor, ...). An unmodified Linux kernel stops early.
         */
        PVM,
        /** No /dev/kvm. */
        ABSENT,
        /** /dev/kvm exists but this user may not open it. */
        NO_PERMISSION,
        /** /dev/kvm opens but does not work as expected (API version, VM creation, libc loading). */
        UNUSABLE
    }

    public KvmAvailability {
        Objects.requireNonNull(status, "status");
        detail = detail == null ? "" : detail;
        advice = advice == null ? "" : advice;
    }

    /** True if VMs can be created (HARDWARE or PVM). */
    public boolean usable() {
        return status == Status.HARDWARE || status == Status.PVM;
    }

    /** One paragraph for users: status, what was found and what to do. */
    public String describe() {
        String head = switch (status) {
            case HARDWARE -> "KVM with hardware virtualization";
            case PVM -> "KVM through kvm_pvm (no hardware virtualization): guests run under KVM's instruction "
                    + "emulator, slowly, and unmodified guests (a stock Linux kernel) stop early at the first "
                    + "instruction it cannot emulate";
            case ABSENT -> "KVM is not available";
            case NO_PERMISSION -> "KVM is present but not accessible";
            case UNUSABLE -> "KVM is present but unusable";
        };
        StringBuilder sb = new StringBuilder(head);
        if (!detail.isEmpty()) sb.append(" (").append(detail).append(")");
        sb.append('.');
        if (!advice.isEmpty()) sb.append(' ').append(advice);
        return sb.toString();
    }
}
