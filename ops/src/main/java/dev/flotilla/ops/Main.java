package dev.flotilla.ops;

import java.util.Arrays;
import java.util.List;

/** The {@code flotilla} command: dispatches to its subcommands. */
public final class Main {

    static final String USAGE = """
            usage: flotilla <command> [options]
              demo    start the daemon, burst probe-guest VMs through its REST API, print a table (flotilla demo --help)
              serve   the daemon: REST API, fleet, Prometheus metrics (flotilla serve --help)
              run     boot one microVM and stream its console (flotilla run --help)
              kvm     tell what this host's /dev/kvm can run
              bench   benchmarks against QEMU microvm (flotilla bench boot|api|devices --help; bench hostile)
            """;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
            System.out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        switch (args[0]) {
            case "serve":
                // a daemon's logs go to collectors: JSON lines unless the user asked otherwise
                if (System.getProperty("flotilla.log.format") == null) System.setProperty("flotilla.log.format", "JSON");
                return dev.flotilla.ops.serve.ServeCommand.execute(rest);
            case "demo":
                return dev.flotilla.ops.demo.DemoCommand.execute(rest);
            case "run":
                return RunCommand.execute(rest);
            case "bench":
                return dev.flotilla.ops.bench.BenchCommand.execute(rest);
            case "kvm":
                System.out.println(dev.flotilla.kvm.Kvm.availability().describe());
                return dev.flotilla.kvm.Kvm.availability().usable() ? 0 : 3;
            default:
                System.err.println("flotilla: unknown command '" + args[0] + "'");
                System.err.print(USAGE);
                return 2;
        }
    }
}
