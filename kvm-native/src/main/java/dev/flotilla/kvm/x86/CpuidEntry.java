package dev.flotilla.kvm.x86;

/** {@code struct kvm_cpuid_entry2}. {@code flags} holds KVM_CPUID_FLAG_SIGNIFCANT_INDEX (1) when index matters. */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    public static final int FLAG_SIGNIFICANT_INDEX = 1;

    public CpuidEntry withRegs(int eax, int ebx, int ecx, int edx) {
        return new CpuidEntry(function, index, flags, eax, ebx, ecx, edx);
    }
}
