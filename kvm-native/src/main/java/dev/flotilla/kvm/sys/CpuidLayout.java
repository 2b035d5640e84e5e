package dev.flotilla.kvm.sys;

import dev.flotilla.kvm.x86.CpuidEntry;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** {@code struct kvm_cpuid2 { u32 nent; u32 padding; struct kvm_cpuid_entry2 entries[]; }}. */
public final class CpuidLayout {

    private CpuidLayout() {}

    /** What KVM_GET_SUPPORTED_CPUID and KVM_SET_CPUID2 accept at most (KVM_MAX_CPUID_ENTRIES). */
    public static final int MAX_ENTRIES = 256;

    public static int size(int entries) {
        return KvmStructs.KVM_CPUID2_HEADER + entries * KvmStructs.KVM_CPUID_ENTRY2_SIZE;
    }

    public static void write(ByteBuffer b, List<CpuidEntry> entries) {
        b.putInt(0, entries.size()).putInt(4, 0);
        int off = KvmStructs.KVM_CPUID2_HEADER;
        for (CpuidEntry e : entries) {
            b.putInt(off, e.function()).putInt(off + 4, e.index()).putInt(off + 8, e.flags())
                    .putInt(off + 12, e.eax()).putInt(off + 16, e.ebx()).putInt(off + 20, e.ecx())
                    .putInt(off + 24, e.edx()).putInt(off + 28, 0).putInt(off + 32, 0).putInt(off + 36, 0);
            off += KvmStructs.KVM_CPUID_ENTRY2_SIZE;
        }
    }

    /** Sets nent to the capacity of the buffer, as the GET ioctls expect. */
    public static void prepareRead(ByteBuffer b, int capacity) {
        b.putInt(0, capacity);
    }

    public static List<CpuidEntry> read(ByteBuffer b) {
        int n = b.getInt(0);
        List<CpuidEntry> out = new ArrayList<>(n);
        int off = KvmStructs.KVM_CPUID2_HEADER;
        for (int i = 0; i < n; i++, off += KvmStructs.KVM_CPUID_ENTRY2_SIZE) {
            out.add(new CpuidEntry(b.getInt(off), b.getInt(off + 4), b.getInt(off + 8), b.getInt(off + 12),
                    b.getInt(off + 16), b.getInt(off + 20), b.getInt(off + 24)));
        }
        return List.copyOf(out);
    }
}
