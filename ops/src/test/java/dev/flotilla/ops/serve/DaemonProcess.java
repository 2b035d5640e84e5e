package dev.flotilla.ops.serve;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.KvmAvailability;
import dev.flotilla.ops.ProbeGuestImage;
import dev.flotilla.ops.demo.FlotillaClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code flotilla serve} process for the end-to-end tests: the shaded jar (built by {@code package},
 * before failsafe runs), a config file in the test's directory (state directory, API on a free port, the
 * Prometheus endpoint on a free port, {@code files/} as the allowed root), stderr to a log file. The API's
 * address is read from the daemon's JSON "ready" log line.
 */
final class DaemonProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("\"api\":\"(http:[^\"]+)\"");
    private static int starts;

    final Path dir;
    final Path log;
    final int metricsPort;
    private final Process process;
    private final FlotillaClient client;

    private DaemonProcess(Path dir, Path log, int metricsPort, Process process, URI api) {
        this.dir = dir;
        this.log = log;
        this.metricsPort = metricsPort;
        this.process = process;
        this.client = new FlotillaClient(api);
    }

    /** Skips the test (loudly) without a usable /dev/kvm. */
    static void assumeKvm() {
        KvmAvailability kvm = Kvm.availability();
        if (!kvm.usable()) System.err.println("SKIPPING daemon end-to-end test: " + kvm.describe());
        assumeTrue(kvm.usable(), () -> "no usable /dev/kvm: " + kvm.describe());
    }

    /** The probe guest, copied under {@code dir/files} (the allowed root the tests' VMs use). */
    static Path probeUnder(Path dir) throws IOException {
        Path files = Files.createDirectories(dir.resolve("files"));
        Path kernel = files.resolve("probe.elf");
        if (!Files.exists(kernel)) Files.copy(ProbeGuestImage.path(), kernel, StandardCopyOption.REPLACE_EXISTING);
        return kernel;
    }

    /**
     * Starts a daemon on {@code dir/state} (the same directory again after a kill brings the same store back).
     *
     * @param extra HOCON lines appended to the config (admission rate, intervals ...)
     */
    static DaemonProcess start(Path dir, String extra) throws Exception {
        return start(dir, extra, List.of());
    }

    /**
     * As {@link #start(Path, String)}, the command prefixed by {@code launcher} (e.g. {@code ip netns exec NS}, which
     * execs the JVM in place: the process is the daemon itself, and kill -9 reaches it).
     */
    static DaemonProcess start(Path dir, String extra, List<String> launcher) throws Exception {
        Path jar = Path.of("target", "flotilla.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the end-to-end tests run after 'mvn package' builds it");
        probeUnder(dir);
        int metricsPort = freePort();
        Path conf = dir.resolve("serve.conf");
        Files.writeString(conf, String.join("\n",
                "flotilla.serve.state-dir = \"" + dir.resolve("state") + "\"",
                "flotilla.api.port = 0",
                "flotilla.api.allowed-roots = [\"" + dir.resolve("files") + "\"]",
                "kamon.prometheus.embedded-server.port = " + metricsPort,
                "kamon.metric.tick-interval = 1 second",
                "flotilla.metrics.poll-interval = 1s",
                extra, ""));
        Path log = dir.resolve("daemon-" + (++starts) + ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(launcher);
        command.addAll(List.of(java, "-XX:+UseSerialGC", "-Xss512k", "-jar", jar.toString(), "serve", "--config", conf.toString()));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            Matcher m = READY.matcher(text);
            if (m.find()) return new DaemonProcess(dir, log, metricsPort, p, URI.create(m.group(1).replace("\\/", "/")));
            if (!p.isAlive()) throw new AssertionError("flotilla serve exited with " + p.exitValue() + ":\n" + text);
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new AssertionError("flotilla serve was not ready within 90 s:\n" + Files.readString(log));
    }

    FlotillaClient api() {
        return client;
    }

    /** The API's address, from the daemon's ready line. */
    URI apiUrl() {
        return client.base();
    }

    long pid() {
        return process.pid();
    }

    /** kill -9: no shutdown hook, no cleanup; the kernel takes the VMs with the process. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "flotilla serve did not die on SIGKILL");
    }

    /** SIGTERM, and the exit code once it has stopped in order. */
    int terminate() throws InterruptedException {
        process.destroy();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "flotilla serve did not stop within 60 s of SIGTERM");
        return process.exitValue();
    }

    String logText() throws IOException {
        return Files.readString(log);
    }

    /** The Prometheus text exposition, once. */
    String scrape() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 200, "GET /metrics answered " + r.statusCode());
        return r.body();
    }

    /**
     * The value of the sample {@code name} whose labels include all of {@code labels}, or NaN when there is none.
     */
    static double sample(String exposition, String name, Map<String, String> labels) {
        for (String line : exposition.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) continue;
            int close = line.lastIndexOf('}');
            String labelText = close > 0 ? line.substring(line.indexOf('{') + 1, close) : "";
            boolean all = labels.entrySet().stream().allMatch(e -> labelText.contains(e.getKey() + "=\"" + e.getValue() + "\""));
            if (all) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return Double.NaN;
    }

    /** Waits (polling) until {@code check} holds, or fails with {@code what}. */
    static void await(String what, Duration timeout, java.util.function.BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (check.getAsBoolean()) return;
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
    }

    static List<String> ids(List<FlotillaClient.VmStatus> vms) {
        return vms.stream().map(FlotillaClient.VmStatus::id).sorted().toList();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
