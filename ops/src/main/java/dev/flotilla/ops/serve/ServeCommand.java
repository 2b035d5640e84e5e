package dev.flotilla.ops.serve;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code flotilla serve [--config FILE]}: runs the daemon until SIGTERM (or Ctrl-C), then stops in order
 * (see {@link Daemon#close}). Logs are JSON lines on stderr unless {@code -Dflotilla.log.format=TEXT}.
 */
public final class ServeCommand {

    public static final String USAGE = """
            usage: flotilla serve [--config FILE]
              Runs the Flotilla daemon: the REST API (default http://127.0.0.1:8080, OpenAPI at /openapi.yaml),
              the fleet with this host's agent, and the Prometheus endpoint (http://127.0.0.1:9095/metrics).
              The desired state (which VMs should run) is kept in $FLOTILLA_STATE or ~/.local/share/flotilla;
              SIGTERM stops the VMs and keeps that state, so the next start boots them again.
              FILE is HOCON; its keys and defaults: flotilla.conf in the jar (flotilla.serve, flotilla.api,
              flotilla.fleet, flotilla.metrics, kamon.prometheus.embedded-server).""";

    private ServeCommand() {}

    public static int execute(List<String> args) {
        Optional<Path> config = Optional.empty();
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.size()) return usage("--config needs a file");
                    config = Optional.of(Path.of(args.get(++i)));
                }
                case "--help", "-h" -> {
                    System.out.println(USAGE);
                    return 0;
                }
                default -> {
                    return usage("unknown option '" + args.get(i) + "'");
                }
            }
        }
        Logger log = LoggerFactory.getLogger(ServeCommand.class);
        Daemon daemon;
        try {
            daemon = Daemon.start(FlotillaConfig.load(config));
        } catch (IllegalArgumentException | IllegalStateException e) {
            log.error("{}", e.getMessage());
            System.err.println("flotilla serve: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(daemon::close, "flotilla-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            daemon.whenTerminated().join();
        } catch (RuntimeException e) {
            log.error("the actor system ended: {}", e.toString());
        }
        return 0;
    }

    private static int usage(String why) {
        System.err.println("flotilla serve: " + why);
        System.err.println(USAGE);
        return 2;
    }
}
