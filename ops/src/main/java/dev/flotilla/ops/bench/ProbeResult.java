package dev.flotilla.ops.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One routine's result line from the probe guest's console, {@code probe: run <name> ok|fail <k=v ...>}
 * (ops/guest/README.md). Words without '=' (a failure's reason) are kept only in {@link #line}.
 */
record ProbeResult(String routine, boolean ok, Map<String, String> fields, String line) {

    private static final String PREFIX = "probe: run ";

    ProbeResult {
        fields = Map.copyOf(fields);
    }

    /**
     * The result line in {@code line}, if it is one. The summary line {@code probe: run done ok=<n> ...}
     * is not: its second word is not "ok" or "fail".
     */
    static Optional<ProbeResult> parse(String line) {
        if (!line.startsWith(PREFIX)) return Optional.empty();
        String[] words = line.substring(PREFIX.length()).trim().split("\\s+");
        if (words.length < 2 || !(words[1].equals("ok") || words[1].equals("fail"))) return Optional.empty();
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 2; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq > 0) fields.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        return Optional.of(new ProbeResult(words[0], words[1].equals("ok"), fields, line));
    }

    /**
     * The whole number under {@code key}.
     *
     * @throws IllegalArgumentException naming the line, when the key is missing or not a number
     *         (a probe guest older than the benchmark: rebuild it with {@code make -C ops/guest})
     */
    long number(String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalArgumentException("the probe's result line has no " + key + "=: '" + line
                    + "' (is ops/guest/build/probe.elf older than the benchmark? make -C ops/guest)");
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the probe's result line has " + key + "=" + v + ", not a number: '" + line + "'");
        }
    }
}
