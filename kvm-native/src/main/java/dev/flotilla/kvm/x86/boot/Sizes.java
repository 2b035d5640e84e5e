package dev.flotilla.kvm.x86.boot;

/** Human-readable byte counts for error messages ("128 MiB"). */
final class Sizes {
    private Sizes() {}

    static String human(long bytes) {
        if (bytes >= MemoryLayout.GIB && bytes % MemoryLayout.GIB == 0) return bytes / MemoryLayout.GIB + " GiB";
        if (bytes >= MemoryLayout.MIB && bytes % MemoryLayout.MIB == 0) return bytes / MemoryLayout.MIB + " MiB";
        if (bytes >= MemoryLayout.MIB) return "%.1f MiB".formatted(bytes / (double) MemoryLayout.MIB);
        if (bytes >= MemoryLayout.KIB && bytes % MemoryLayout.KIB == 0) return bytes / MemoryLayout.KIB + " KiB";
        return bytes + " bytes";
    }
}
