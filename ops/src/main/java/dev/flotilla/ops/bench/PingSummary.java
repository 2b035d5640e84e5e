package dev.flotilla.ops.bench;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The statistics busybox {@code ping -q} prints at its end:
 * {@code N packets transmitted, M packets received, L% packet loss} and
 * {@code round-trip min/avg/max = a/b/c ms}.
 */
record PingSummary(long transmitted, long received, Optional<Double> avgRttMs) {

    private static final Pattern COUNTS = Pattern.compile("(\\d+) packets transmitted, (\\d+) (?:packets )?received");
    private static final Pattern RTT = Pattern.compile("round-trip min/avg/max = [\\d.]+/([\\d.]+)/[\\d.]+ ms");

    static Optional<PingSummary> parse(String output) {
        Matcher c = COUNTS.matcher(output);
        if (!c.find()) return Optional.empty();
        Matcher r = RTT.matcher(output);
        return Optional.of(new PingSummary(Long.parseLong(c.group(1)), Long.parseLong(c.group(2)),
                r.find() ? Optional.of(Double.parseDouble(r.group(1))) : Optional.empty()));
    }
}
