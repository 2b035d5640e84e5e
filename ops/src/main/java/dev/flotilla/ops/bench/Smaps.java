package dev.flotilla.ops.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory mappings of a process as {@code /proc/<pid>/smaps} describes them, with the per-mapping
 * counters in KiB. Also reads {@code smaps_rollup}, the same counters summed over the process.
 */
public final class Smaps {

    /** One mapping: its address range, permissions, backing name ("" for anonymous) and its counters. */
    public record Mapping(long start, long end, String perms, long inode, String name, Map<String, Long> kib) {
        public Mapping {
            kib = Map.copyOf(kib);
        }

        public long sizeKib() { return (end - start) / 1024; }
        public long rssKib() { return kib.getOrDefault("Rss", 0L); }
        public long pssKib() { return kib.getOrDefault("Pss", 0L); }
        /** Private anonymous memory: no file, not a named region such as [heap] or [stack]. */
        public boolean anonymous() { return inode == 0 && name.isEmpty(); }
    }

    private Smaps() {}

    public static List<Mapping> read(long pid) {
        return parse(readProc(pid, "smaps"));
    }

    public static Map<String, Long> readRollup(long pid) {
        return parseRollup(readProc(pid, "smaps_rollup"));
    }

    /** Parses smaps text: a header line per mapping followed by "Key:  value kB" lines. */
    public static List<Mapping> parse(String text) {
        List<Mapping> out = new ArrayList<>();
        long start = -1, end = -1, inode = 0;
        String perms = "", name = "";
        Map<String, Long> kib = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            if (isHeader(line)) {
                if (start >= 0) out.add(new Mapping(start, end, perms, inode, name, kib));
                String[] f = line.trim().split("\\s+", 6);
                int dash = f[0].indexOf('-');
                start = Long.parseUnsignedLong(f[0].substring(0, dash), 16);
                end = Long.parseUnsignedLong(f[0].substring(dash + 1), 16);
                perms = f[1];
                inode = f.length > 4 ? Long.parseLong(f[4]) : 0;
                name = f.length > 5 ? f[5].trim() : "";
                kib = new HashMap<>();
            } else if (start >= 0) {
                counter(line, kib);
            }
        }
        if (start >= 0) out.add(new Mapping(start, end, perms, inode, name, kib));
        return out;
    }

    /** Parses smaps_rollup text: its header line, then the summed counters. */
    public static Map<String, Long> parseRollup(String text) {
        Map<String, Long> kib = new HashMap<>();
        for (String line : text.split("\n")) {
            if (!isHeader(line)) counter(line, kib);
        }
        return Map.copyOf(kib);
    }

    /** Sums {@code key} over every mapping. */
    public static long total(List<Mapping> mappings, String key) {
        return mappings.stream().mapToLong(m -> m.kib().getOrDefault(key, 0L)).sum();
    }

    // A header starts with "<hex>-<hex> "; counter lines start with a capitalised key and a colon.
    private static boolean isHeader(String line) {
        int dash = line.indexOf('-');
        int space = line.indexOf(' ');
        if (dash <= 0 || space <= dash) return false;
        for (int i = 0; i < space; i++) {
            char c = line.charAt(i);
            if (i != dash && Character.digit(c, 16) < 0) return false;
        }
        return true;
    }

    private static void counter(String line, Map<String, Long> kib) {
        int colon = line.indexOf(':');
        if (colon <= 0) return;
        String[] v = line.substring(colon + 1).trim().split("\\s+");
        if (v.length == 2 && v[1].equals("kB")) {
            kib.put(line.substring(0, colon).trim(), Long.parseLong(v[0]));
        }
    }

    private static String readProc(long pid, String file) {
        Path p = Path.of("/proc", Long.toString(pid), file);
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + " (" + e.getMessage()
                    + "): the process has ended, or this user may not read its memory map (run as its owner or root)", e);
        }
    }
}
