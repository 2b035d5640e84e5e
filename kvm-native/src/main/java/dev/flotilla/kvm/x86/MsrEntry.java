package dev.flotilla.kvm.x86;

/** {@code struct kvm_msr_entry}: one model-specific register and its value. */
public record MsrEntry(int index, long data) {}
