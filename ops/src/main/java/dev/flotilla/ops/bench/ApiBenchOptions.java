package dev.flotilla.ops.bench;

import java.util.List;

/**
 * The options of {@code flotilla bench api}.
 *
 * @param count    VMs created in the measured burst (and QEMU processes started)
 * @param warmup   VMs created and deleted before it (JIT, connection pool), 0 for none
 * @param memMib   guest RAM per VM
 * @param skipQemu run the Flotilla side only
 */
public record ApiBenchOptions(int count, int warmup, long memMib, boolean skipQemu, String qemu) {

    public static final String USAGE = """
            usage: flotilla bench api [--count N] [--warmup W] [--mem-mib M] [--skip-qemu] [--qemu BINARY]
              Creation throughput through the REST API: starts the daemon in this JVM (admission bucket sized
              to the burst, so the limiter does not pace it), sends N POST /vms at once (default 500) for the
              probe guest (probe.hold), and reports VMs admitted/s (201s), VMs booted/s (until GET /vms shows
              every one booted) and p50/p99 request latency; then starts N QEMU microvm processes booting the
              same guest in the same run. W VMs (default 50) are created and deleted first.""";

    public ApiBenchOptions {
        if (count < 1 || count > 5000) throw new BenchOptions.UsageException("--count must be 1 to 5000, got " + count);
        if (warmup < 0 || warmup > 5000) throw new BenchOptions.UsageException("--warmup must be 0 to 5000, got " + warmup);
        if (memMib < 16 || memMib > 4096) throw new BenchOptions.UsageException("--mem-mib must be 16 to 4096, got " + memMib);
        if (qemu == null || qemu.isBlank()) throw new BenchOptions.UsageException("--qemu needs a binary name or path");
    }

    public static ApiBenchOptions parse(List<String> args) {
        int count = 500, warmup = 50;
        long mem = 32;
        boolean skipQemu = false;
        String qemu = "qemu-system-x86_64";
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--count" -> count = integer(args, ++i, a);
                case "--warmup" -> warmup = integer(args, ++i, a);
                case "--mem-mib" -> mem = integer(args, ++i, a);
                case "--skip-qemu" -> skipQemu = true;
                case "--qemu" -> {
                    if (++i >= args.size()) throw new BenchOptions.UsageException("--qemu needs a value");
                    qemu = args.get(i);
                }
                default -> throw new BenchOptions.UsageException("unknown option '" + a + "'");
            }
        }
        return new ApiBenchOptions(count, warmup, mem, skipQemu, qemu);
    }

    private static int integer(List<String> args, int i, String opt) {
        if (i >= args.size()) throw new BenchOptions.UsageException(opt + " needs a value");
        try {
            return Integer.parseInt(args.get(i));
        } catch (NumberFormatException e) {
            throw new BenchOptions.UsageException(opt + " needs a whole number, got '" + args.get(i) + "'");
        }
    }
}
