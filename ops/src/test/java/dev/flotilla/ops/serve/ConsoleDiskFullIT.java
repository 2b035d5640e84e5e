package dev.flotilla.ops.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.flotilla.fleet.store.DesiredStateStore;
import dev.flotilla.fleet.store.StoredVm;
import dev.flotilla.ops.ProbeGuestImage;
import dev.flotilla.ops.demo.FlotillaClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consoles on a full filesystem: the console directory is a 64 KiB tmpfs filled to the last block, the state
 * directory is not. Every console append fails with ENOSPC; the VMs boot and run, the failures are counted
 * (and scraped), and the fleet still accepts creations and deletions whose desired state the store commits.
 */
class ConsoleDiskFullIT {

    @TempDir
    Path dir;

    @Test
    void consolesOnAFullDiskDoNotStopTheFleetOrTheStore() throws Exception {
        DaemonProcess.assumeKvm();
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Path consoles = Files.createDirectory(dir.resolve("consoles"));
        run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", consoles.toString());
        try {
            fill(consoles);
            Path state = dir.resolve("state");
            int metricsPort;
            try (ServerSocket s = new ServerSocket(0)) {
                metricsPort = s.getLocalPort();
            }
            Config config = FlotillaConfig.withDefaults(ConfigFactory.parseMap(Map.of(
                    "flotilla.serve.state-dir", state.toString(),
                    "flotilla.serve.console-dir", consoles.toString(),
                    "flotilla.serve.console-min-free", "0",   // let the appends reach the full disk and fail
                    "flotilla.serve.vm-pool", "",
                    "flotilla.api.port", 0,
                    "flotilla.metrics.poll-interval", "1s",
                    "kamon.metric.tick-interval", "1 second",
                    "kamon.prometheus.embedded-server.port", metricsPort)));
            String kernel = ProbeGuestImage.path().toAbsolutePath().toString();
            try (Daemon d = Daemon.start(config)) {
                FlotillaClient api = new FlotillaClient(URI.create(d.apiUrl()));
                FlotillaClient.Answer a1 = api.call("POST", "/vms", FlotillaClient.vmBody("a1", Path.of(kernel), "console=ttyS0 probe.hold", 1, 32));
                assertEquals(201, a1.status(), a1.body());
                DaemonProcess.await("console appends to fail on the full disk", Duration.ofSeconds(30),
                        () -> d.consoleFileStats().orElseThrow().writeErrors() > 0);

                // the fleet goes on: another creation and a deletion, each a store commit
                FlotillaClient.Answer a2 = api.call("POST", "/vms", FlotillaClient.vmBody("a2", Path.of(kernel), "console=ttyS0 probe.hold", 1, 32));
                assertEquals(201, a2.status(), a2.body());
                assertEquals(204, api.call("DELETE", "/vms/a1", null).status());
                List<FlotillaClient.VmStatus> vms = api.listVms();
                assertEquals(List.of("a2"), DaemonProcess.ids(vms));
                assertEquals("running", vms.get(0).state());
                assertTrue(d.consoleFileStats().orElseThrow().droppedBytes() > 0);

                DaemonProcess.await("the scrape to show the console errors", Duration.ofSeconds(20), () -> {
                    try {
                        String scrape = scrape(metricsPort);
                        return DaemonProcess.sample(scrape, "flotilla_console_file_errors_total", Map.of()) > 0;
                    } catch (Exception e) {
                        return false;
                    }
                });
            }
            // what the store committed while the consoles failed
            try (DesiredStateStore store = DesiredStateStore.open(state.resolve("flotilla.db"))) {
                List<StoredVm> stored = store.loadAll().toCompletableFuture().get(10, TimeUnit.SECONDS).vms();
                assertEquals(List.of("a2"), stored.stream().map(v -> v.definition().id()).toList());
                assertTrue(stored.get(0).shouldRun());
            }
        } finally {
            run("umount", consoles.toString());
        }
    }

    private static String scrape(int port) throws Exception {
        var r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static void fill(Path mnt) throws IOException {
        try (OutputStream out = Files.newOutputStream(mnt.resolve("filler"))) {
            byte[] block = new byte[4096];
            while (true) out.write(block);
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) throw e;
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + out);
    }
}
