package dev.flotilla.ops.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.kvm.testing.TestNetns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real {@code flotilla serve} loses nothing: a VM with a drive, a TAP, a vsock, a metrics file and a
 * console log comes back in the next daemon with the same drive open, its TAP re-created under the same name and guest
 * MAC, metrics appended to the same file and its console log continued, and with its creation time kept.
 *
 * <p>The daemon runs inside a network namespace this test makes ({@code ip netns exec} execs the JVM in place),
 * so its TAPs live and die there; the API listens on the namespace's link-local address and the test talks to it
 * with curl inside the namespace: no traffic goes anywhere but 169.254/16 in that namespace.
 */
class DaemonKillRecoveryIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void kvmAndTun() {
        DaemonProcess.assumeKvm();
        TestNetns.assumeTun();
    }

    /** curl inside the namespace, with the daemon's token. */
    private record NetnsApi(TestNetns ns, String base, String token, Path scratch) {

        Reply call(String method, String path, String body) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns.name, "curl", "-sS", "-m", "60", "-X", method,
                    "-H", "Authorization: Bearer " + token, "-w", "\n%{http_code}"));
            if (body != null) {
                Path f = Files.createTempFile(scratch, "body", ".json");
                Files.writeString(f, body);
                cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", "@" + f));
            }
            cmd.add(base + path);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "curl " + method + " " + path + " did not finish");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int nl = out.lastIndexOf('\n');
            assertEquals(0, p.exitValue(), () -> "curl " + method + " " + path + ": " + out);
            return new Reply(Integer.parseInt(out.substring(nl + 1).trim()), out.substring(0, Math.max(0, nl)));
        }
    }

    private record Reply(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    @Test
    void aVmWithADriveATapAVsockAMetricsFileAndAConsoleLogComesBackAfterKillMinus9() throws Exception {
        Path kernel = DaemonProcess.probeUnder(dir);
        Path disk = dir.resolve("files/data.img");
        Files.write(disk, new byte[1 << 20]);
        Path metrics = dir.resolve("files/keeper.metrics");
        Path vsock = dir.resolve("files/keeper.vsock");
        String token = UUID.randomUUID().toString();
        String tap = TestNetns.randomName("fltk");
        try (TestNetns ns = TestNetns.create()) {
            // the API's link-local address, on the namespace's own loopback (the TAP comes and goes with the daemon)
            TestNetns.run("ip", "-n", ns.name, "addr", "add", ns.hostIp() + "/32", "dev", "lo");
            TestNetns.run("ip", "-n", ns.name, "link", "set", "lo", "up");
            String extra = String.join("\n",
                    "flotilla.api.bind-address = \"" + ns.hostIp() + "\"",
                    "flotilla.api.bearer-token = \"" + token + "\"",
                    "kamon.prometheus.embedded-server.hostname = \"" + ns.hostIp() + "\"",
                    "flotilla.serve.console-files = on");
            List<String> inNamespace = List.of("ip", "netns", "exec", ns.name);
            String body = "{\"id\":\"keeper\",\"boot-source\":{\"kernel_image_path\":\"" + kernel + "\",\"boot_args\":"
                    + "\"console=ttyS0 probe.hold\"},\"machine-config\":{\"vcpu_count\":1,\"mem_size_mib\":32},"
                    + "\"drives\":[{\"drive_id\":\"data\",\"path_on_host\":\"" + disk + "\",\"is_root_device\":false,"
                    + "\"is_read_only\":false}],"
                    + "\"network-interfaces\":[{\"iface_id\":\"eth0\",\"host_dev_name\":\"" + tap + "\",\"guest_mac\":\""
                    + ns.guestMac() + "\"}],"
                    + "\"vsock\":{\"guest_cid\":3,\"uds_path\":\"" + vsock + "\"},"
                    + "\"metrics\":{\"metrics_path\":\"" + metrics + "\"}}";

            String createdAt;
            long consoleBytes;
            DaemonProcess first = DaemonProcess.start(dir, extra, inNamespace);
            try {
                NetnsApi api = new NetnsApi(ns, first.apiUrl().toString(), token, dir);
                Reply created = api.call("POST", "/vms", body);
                assertTrue(created.status() == 201 || created.status() == 202, created::toString);
                JsonNode vm = awaitRunning(api, first);
                createdAt = vm.get("created_at").asText();
                assertTapIn(ns, tap);
                assertTrue(openFiles(first.pid()).contains(disk), "the daemon has the drive open");
                assertEquals(204, api.call("PUT", "/vms/keeper/actions", "{\"action_type\":\"FlushMetrics\"}").status());
                assertEquals(1, Files.readAllLines(metrics).size());
                Path console = consoleLog(dir.resolve("state"));
                DaemonProcess.await("the guest's console in its log", Duration.ofSeconds(30), () -> size(console) > 0);
                consoleBytes = size(console);
                first.kill9();
            } finally {
                first.close();
            }
            assertTrue(TestNetns.run("ip", "-n", ns.name, "-o", "link").lines().noneMatch(l -> l.contains(tap)),
                    "the TAP went with the killed daemon");

            try (DaemonProcess second = DaemonProcess.start(dir, extra, inNamespace)) {
                NetnsApi api = new NetnsApi(ns, second.apiUrl().toString(), token, dir);
                JsonNode vm = awaitRunning(api, second);
                assertEquals(createdAt, vm.get("created_at").asText(), "its creation time is kept");
                JsonNode nic = vm.get("config").get("network-interfaces").get(0);
                assertEquals(tap, nic.get("host_dev_name").asText());
                assertEquals(ns.guestMac(), nic.get("guest_mac").asText(), "the same MAC");
                assertTapIn(ns, tap);
                assertTrue(openFiles(second.pid()).contains(disk), "the drive is open again");
                assertTrue(Files.exists(vsock, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the vsock socket is listening again");
                assertEquals(metrics.toString(), vm.get("config").get("metrics").get("metrics_path").asText());
                assertEquals(204, api.call("PUT", "/vms/keeper/actions", "{\"action_type\":\"FlushMetrics\"}").status());
                assertEquals(2, Files.readAllLines(metrics).size(), "metrics appended to the same file");
                Path console = consoleLog(dir.resolve("state"));
                DaemonProcess.await("the new run's console after the old one's", Duration.ofSeconds(30),
                        () -> size(console) > consoleBytes);
                // the same POST again is the same creation, not a conflict and not a second VM
                assertEquals(200, api.call("POST", "/vms", body).status());
            }
        }
    }

    private static JsonNode awaitRunning(NetnsApi api, DaemonProcess d) throws Exception {
        JsonNode[] seen = new JsonNode[1];
        Reply[] last = new Reply[1];
        try {
            awaitRunning(api, seen, last);
        } catch (AssertionError e) {
            String log = d.logText();
            throw new AssertionError(e.getMessage() + "; last GET /vms/keeper/status: " + last[0] + "; daemon log ends:\n"
                    + log.substring(Math.max(0, log.length() - 6000)), e);
        }
        return seen[0];
    }

    private static void awaitRunning(NetnsApi api, JsonNode[] seen, Reply[] last) throws Exception {
        DaemonProcess.await("VM keeper running and booted", Duration.ofSeconds(90), () -> {
            try {
                Reply r = api.call("GET", "/vms/keeper/status", null);
                last[0] = r;
                if (r.status() != 200) return false;
                seen[0] = r.json();
                return "running".equals(seen[0].get("state").asText()) && seen[0].get("boot_ms").asDouble() > 0;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    private static void assertTapIn(TestNetns ns, String tap) {
        String link = TestNetns.run("ip", "-n", ns.name, "-o", "link", "show", "dev", tap);
        assertTrue(link.contains(tap), link);
    }

    private static List<Path> openFiles(long pid) throws IOException {
        List<Path> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    open.add(Files.readSymbolicLink(fd));
                } catch (IOException closedMeanwhile) {
                    // an fd closed between the listing and the read
                }
            }
        }
        return open;
    }

    /** The VM's console log, wherever under the state directory the daemon keeps consoles. */
    private static Path consoleLog(Path stateDir) throws IOException {
        try (Stream<Path> files = Files.walk(stateDir)) {
            return files.filter(f -> f.getFileName().toString().equals("keeper.log")).findFirst()
                    .orElseThrow(() -> new AssertionError("no console log keeper.log under " + stateDir));
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return -1;
        }
    }
}
