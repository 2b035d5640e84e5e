package dev.flotilla.ops.bench;

import dev.flotilla.ops.UsageException;
import dev.flotilla.ops.CliArgs;

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
        if (count < 1 || count > 5000) throw new UsageException("--count must be 1 to 5000, got " + count);
        if (warmup < 0 || warmup > 5000) throw new UsageException("--warmup must be 0 to 5000, got " + warmup);
        CliArgs.checkMemMib("--mem-mib", memMib);
        if (qemu == null || qemu.isBlank()) throw new UsageException("--qemu needs a binary name or path");
    }

    public static ApiBenchOptions parse(List<String> args) {
        int count = 500, warmup = 50;
        long mem = 32;
        boolean skipQemu = false;
        String qemu = "qemu-system-x86_64";
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--count" -> count = CliArgs.integer(args, ++i, a);
                case "--warmup" -> warmup = CliArgs.integer(args, ++i, a);
                case "--mem-mib" -> mem = CliArgs.integer(args, ++i, a);
                case "--skip-qemu" -> skipQemu = true;
                case "--qemu" -> {
                    if (++i >= args.size()) throw new UsageException("--qemu needs a value");
                    qemu = args.get(i);
                }
                default -> throw new UsageException("unknown option '" + a + "'");
            }
        }
        return new ApiBenchOptions(count, warmup, mem, skipQemu, qemu);
    }

}
