package dev.flotilla.kvm.x86;

/** {@code struct kvm_segment}. Mutable, C field names. */
public final class Segment {
    public long base;
    public int limit;
    public int selector;
    public int type;
    public int present, dpl, db, s, l, g, avl;
    public int unusable;

    @Override
    public String toString() {
        return "Segment[sel=0x%x base=0x%x limit=0x%x type=%d p=%d dpl=%d db=%d s=%d l=%d g=%d]"
                .formatted(selector, base, limit, type, present, dpl, db, s, l, g);
    }
}
