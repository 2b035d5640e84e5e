package dev.flotilla.vm.pool;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many pre-created VMs a {@link VmPool} keeps ready, per shape, and how it refills.
 *
 * @param targets        VMs kept ready per shape; a shape absent or at 0 is not pooled
 * @param refillThreads  platform threads that build replacements (1 keeps up with ~100 takes/s here)
 * @param maxBackoff     longest pause between refill attempts after consecutive failures
 */
public record VmPoolConfig(Map<VmShape, Integer> targets, int refillThreads, Duration maxBackoff) {

    /** Per shape: a pooled VM holds a VM fd, a PIT kernel thread and its RAM's address space. */
    public static final int MAX_TARGET = 64;
    public static final int MAX_REFILL_THREADS = 8;

    /** Four 128 MiB VMs (Firecracker's default size), one refill thread. */
    public static final VmPoolConfig DEFAULT = of(128, 4);
    /** No pooling: every VM is built cold. */
    public static final VmPoolConfig OFF = new VmPoolConfig(Map.of(), 1, Duration.ofSeconds(30));

    public VmPoolConfig {
        Map<VmShape, Integer> copy = new LinkedHashMap<>();
        targets.forEach((shape, n) -> {
            if (n == null || n < 0 || n > MAX_TARGET) {
                throw new IllegalArgumentException("pool target for " + shape + " must be 0 to " + MAX_TARGET + ", got " + n);
            }
            if (n > 0) copy.put(shape, n);
        });
        targets = Collections.unmodifiableMap(copy);
        if (refillThreads < 1 || refillThreads > MAX_REFILL_THREADS) {
            throw new IllegalArgumentException("pool refill threads must be 1 to " + MAX_REFILL_THREADS + ", got " + refillThreads);
        }
        if (maxBackoff == null || maxBackoff.isNegative() || maxBackoff.isZero()) {
            throw new IllegalArgumentException("pool max backoff must be positive, got " + maxBackoff);
        }
    }

    /** {@code target} VMs of {@code memSizeMib} MiB, one refill thread; target 0 turns pooling off. */
    public static VmPoolConfig of(long memSizeMib, int target) {
        return new VmPoolConfig(Map.of(new VmShape(memSizeMib), target), 1, Duration.ofSeconds(30));
    }

    /**
     * Parses {@code MIB=COUNT[,MIB=COUNT...]}, e.g. {@code 128=4,512=1} (command-line and config form);
     * {@code 0} or an empty string is {@link #OFF}.
     */
    public static VmPoolConfig parse(String spec) {
        String s = spec == null ? "" : spec.strip();
        if (s.isEmpty() || s.equals("0")) return OFF;
        Map<VmShape, Integer> targets = new LinkedHashMap<>();
        for (String part : s.split(",")) {
            String[] kv = part.strip().split("=");
            if (kv.length != 2) {
                throw new IllegalArgumentException("pool entry '" + part.strip() + "' is not MIB=COUNT: write e.g. 128=4");
            }
            try {
                VmShape shape = new VmShape(Long.parseLong(kv[0].strip()));
                if (targets.put(shape, Integer.parseInt(kv[1].strip())) != null) {
                    throw new IllegalArgumentException("pool size " + shape + " is given twice in '" + s + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("pool entry '" + part.strip() + "' needs whole numbers: write e.g. 128=4");
            }
        }
        return new VmPoolConfig(targets, 1, Duration.ofSeconds(30));
    }

    public VmPoolConfig withRefillThreads(int threads) {
        return new VmPoolConfig(targets, threads, maxBackoff);
    }

    public VmPoolConfig withMaxBackoff(Duration backoff) {
        return new VmPoolConfig(targets, refillThreads, backoff);
    }

    /** Whether any shape is pooled. */
    public boolean enabled() {
        return !targets.isEmpty();
    }

    public int target(VmShape shape) {
        return targets.getOrDefault(shape, 0);
    }
}
