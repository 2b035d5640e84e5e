package dev.flotilla.ops.demo;

import dev.flotilla.ops.UsageException;

import java.util.List;

/**
 * The options of {@code flotilla demo}, validated before anything starts.
 *
 * @param count  VMs created through the API
 * @param rate   requests per second the client sends (0: all at once)
 * @param memMib guest RAM of each VM
 * @param port   the API's port (0: a free one)
 * @param keep   leave the daemon and its VMs running until Ctrl-C
 */
public record DemoOptions(int count, double rate, long memMib, int port, boolean keep) {

    public static final String USAGE = """
            usage: flotilla demo [--count N] [--rate R] [--mem-mib M] [--port P] [--keep]
              Starts the Flotilla daemon in this process (loopback, a temporary state directory), creates N
              probe-guest microVMs through its REST API (POST /vms, default 20; R requests/s, default all at
              once), shows progress, prints a table (per-VM boot time, VMs/s admitted and booted, memory),
              and where the API, its OpenAPI document and the Prometheus metrics are. Then it deletes the VMs
              and exits 0, or with --keep serves until Ctrl-C.""";

    public DemoOptions {
        if (count < 1 || count > 2000) throw new UsageException("--count must be 1 to 2000, got " + count);
        if (rate < 0 || rate > 100_000) throw new UsageException("--rate must be 0 (all at once) to 100000 requests/s, got " + rate);
        dev.flotilla.ops.CliArgs.checkMemMib("--mem-mib", memMib);
        if (port < 0 || port > 65535) throw new UsageException("--port must be 0 (a free port) to 65535, got " + port);
    }

    public static DemoOptions parse(List<String> args) {
        int count = 20, port = 0;
        double rate = 0;
        long mem = 32;
        boolean keep = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--count", "-n" -> count = (int) number(args, ++i, a);
                case "--rate" -> rate = number(args, ++i, a);
                case "--mem-mib" -> mem = (long) number(args, ++i, a);
                case "--port" -> port = (int) number(args, ++i, a);
                case "--keep" -> keep = true;
                default -> throw new UsageException("unknown option '" + a + "'");
            }
        }
        return new DemoOptions(count, rate, mem, port, keep);
    }

    private static double number(List<String> args, int i, String opt) {
        if (i >= args.size()) throw new UsageException(opt + " needs a value");
        try {
            return Double.parseDouble(args.get(i));
        } catch (NumberFormatException e) {
            throw new UsageException(opt + " needs a number, got '" + args.get(i) + "'");
        }
    }

}
