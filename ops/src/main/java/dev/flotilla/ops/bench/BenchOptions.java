package dev.flotilla.ops.bench;

import dev.flotilla.ops.UsageException;
import dev.flotilla.ops.CliArgs;

import dev.flotilla.vm.pool.VmPoolConfig;
import java.util.List;

/**
 * The options of {@code flotilla bench boot}, validated before anything touches KVM.
 *
 * @param count   sequential boots measured per peer
 * @param warmup  boots per peer before measuring (JIT for Flotilla, page cache for QEMU)
 * @param burst   VMs asked for at once in the burst phase
 * @param hold    VMs kept idle (probe.hold) at once for the memory phase
 * @param phases  rounds of the direct set-up breakdown (0 = skip)
 * @param pool    VMs of the benchmark's size kept pre-created in a warm pool (0 = no pool, built cold)
 */
public record BenchOptions(int count, int warmup, int burst, int hold, int vcpus, long memMib, boolean skipQemu,
                           int phases, String qemu, int pool) {

    public static final String USAGE = """
            usage: flotilla bench boot [--count N] [--burst B] [--hold K] [--warmup W] [--vcpus V] [--mem-mib M]
                                       [--phases R] [--skip-qemu] [--qemu BINARY] [--pool P]
              Boots the probe guest with Flotilla (in this JVM) and with QEMU microvm (processes, KVM) side by
              side and prints one table: boot time (N sequential boots, default 50, after W warm-up boots each,
              default 5), host memory per VM beyond guest RAM (K idle VMs, default 20), and a burst of B VMs
              asked for at once (default 100), plus a breakdown of Flotilla's VM set-up by phase (R rounds,
              default 20). --pool P builds Flotilla's VMs from a warm pool of P pre-created VMs (default 0: cold).
              Progress goes to stderr, the table to stdout.""";

    public BenchOptions {
        positive("--count", count, 10_000);
        if (warmup < 0 || warmup > 1000) throw new UsageException("--warmup must be 0 to 1000, got " + warmup);
        positive("--burst", burst, 2000);
        positive("--hold", hold, 500);
        CliArgs.checkVcpus("--vcpus", vcpus);
        CliArgs.checkMemMib("--mem-mib", memMib);
        if (phases < 0 || phases > 10_000) throw new UsageException("--phases must be 0 to 10000, got " + phases);
        if (qemu == null || qemu.isBlank()) throw new UsageException("--qemu needs a binary name or path");
        if (pool < 0 || pool > VmPoolConfig.MAX_TARGET) {
            throw new UsageException("--pool must be 0 to " + VmPoolConfig.MAX_TARGET + ", got " + pool);
        }
    }

    /** Without a warm pool. */
    public BenchOptions(int count, int warmup, int burst, int hold, int vcpus, long memMib, boolean skipQemu,
                        int phases, String qemu) {
        this(count, warmup, burst, hold, vcpus, memMib, skipQemu, phases, qemu, 0);
    }

    public static BenchOptions defaults() {
        return new BenchOptions(50, 5, 100, 20, 1, 128, false, 20, "qemu-system-x86_64");
    }

    /** Parses the words after {@code bench boot}. */
    public static BenchOptions parse(List<String> args) {
        BenchOptions d = defaults();
        int count = d.count, warmup = d.warmup, burst = d.burst, hold = d.hold, vcpus = d.vcpus, phases = d.phases;
        int pool = d.pool;
        long mem = d.memMib;
        boolean skipQemu = false;
        String qemu = d.qemu;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--count" -> count = CliArgs.integer(args, ++i, a);
                case "--warmup" -> warmup = CliArgs.integer(args, ++i, a);
                case "--burst" -> burst = CliArgs.integer(args, ++i, a);
                case "--hold" -> hold = CliArgs.integer(args, ++i, a);
                case "--vcpus" -> vcpus = CliArgs.integer(args, ++i, a);
                case "--mem-mib" -> mem = CliArgs.integer(args, ++i, a);
                case "--phases" -> phases = CliArgs.integer(args, ++i, a);
                case "--skip-qemu" -> skipQemu = true;
                case "--qemu" -> qemu = CliArgs.value(args, ++i, a);
                case "--pool" -> pool = CliArgs.integer(args, ++i, a);
                default -> throw new UsageException("unknown option '" + a + "'");
            }
        }
        return new BenchOptions(count, warmup, burst, hold, vcpus, mem, skipQemu, phases, qemu, pool);
    }

    private static void positive(String opt, int v, int max) {
        if (v < 1 || v > max) throw new UsageException(opt + " must be 1 to " + max + ", got " + v);
    }



}
