package dev.flotilla.kvm.x86;

/** {@code struct kvm_dtable}: a descriptor-table register (GDTR/IDTR). Mutable, C field names. */
public final class DTable {
    public long base;
    public int limit;
}
