package dev.flotilla.kvm.sys;

import dev.flotilla.kvm.x86.MsrEntry;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** {@code struct kvm_msrs { u32 nmsrs; u32 pad; struct kvm_msr_entry { u32 index; u32 reserved; u64 data; } entries[]; }}. */
public final class MsrsLayout {

    private MsrsLayout() {}

    public static int size(int entries) {
        return KvmStructs.KVM_MSRS_HEADER + entries * KvmStructs.KVM_MSR_ENTRY_SIZE;
    }

    public static void write(ByteBuffer b, List<MsrEntry> entries) {
        b.putInt(0, entries.size()).putInt(4, 0);
        int off = KvmStructs.KVM_MSRS_HEADER;
        for (MsrEntry e : entries) {
            b.putInt(off, e.index()).putInt(off + 4, 0).putLong(off + 8, e.data());
            off += KvmStructs.KVM_MSR_ENTRY_SIZE;
        }
    }

    /** The first {@code count} entries (KVM_GET_MSRS returns how many it filled). */
    public static List<MsrEntry> read(ByteBuffer b, int count) {
        List<MsrEntry> out = new ArrayList<>(count);
        int off = KvmStructs.KVM_MSRS_HEADER;
        for (int i = 0; i < count; i++, off += KvmStructs.KVM_MSR_ENTRY_SIZE) {
            out.add(new MsrEntry(b.getInt(off), b.getLong(off + 8)));
        }
        return List.copyOf(out);
    }
}
