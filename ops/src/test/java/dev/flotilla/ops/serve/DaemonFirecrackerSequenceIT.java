package dev.flotilla.ops.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flotilla.ops.demo.FlotillaClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Firecracker client's sequence against a real {@code flotilla serve} process, resource by resource on one
 * VM: boot-source, machine-config, a drive (a file under the allowed root, read by the guest), metrics,
 * InstanceStart, pause, resume, FlushMetrics, and SendCtrlAltDel, which the probe guest (probe.kbd) answers by
 * resetting through the i8042, as Linux does.
 */
class DaemonFirecrackerSequenceIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        DaemonProcess.assumeKvm();
    }

    @Test
    void firecrackerSequenceBootsPausesResumesFlushesAndEndsOnCtrlAltDel() throws Exception {
        Path kernel = DaemonProcess.probeUnder(dir);
        Path disk = dir.resolve("files/disk.img");
        byte[] sector = new byte[1 << 20];
        for (int i = 0; i < sector.length; i++) sector[i] = (byte) (i * 7);
        Files.write(disk, sector);
        Path metrics = dir.resolve("files/fc1.metrics");
        try (DaemonProcess d = DaemonProcess.start(dir, "")) {
            FlotillaClient api = d.api();
            expect(204, api.call("PUT", "/vms/fc1/boot-source", "{\"kernel_image_path\": \"" + kernel
                    + "\", \"boot_args\": \"console=ttyS0 probe.run=blk probe.hold probe.kbd\"}"));
            expect(204, api.call("PUT", "/vms/fc1/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 64}"));
            expect(204, api.call("PUT", "/vms/fc1/drives/scratch", "{\"drive_id\": \"scratch\", \"path_on_host\": \"" + disk
                    + "\", \"is_root_device\": false, \"is_read_only\": false}"));
            expect(204, api.call("PUT", "/vms/fc1/metrics", "{\"metrics_path\": \"" + metrics + "\"}"));
            assertEquals("Not started", api.call("GET", "/vms/fc1", null).json().get("state").asText());

            expect(204, api.call("PUT", "/vms/fc1/actions", "{\"action_type\": \"InstanceStart\"}"));
            DaemonProcess.await("fc1 booted", Duration.ofSeconds(30), () -> status(api).path("boot_ms").asDouble(-1) >= 0);
            DaemonProcess.await("the guest read its drive", Duration.ofSeconds(30),
                    () -> console(d).contains("probe: run blk ok") && console(d).contains("probe: holding"));
            assertEquals("Running", api.call("GET", "/vms/fc1", null).json().get("state").asText());

            expect(204, api.call("PATCH", "/vms/fc1/vm", "{\"state\": \"Paused\"}"));
            assertEquals("Paused", api.call("GET", "/vms/fc1", null).json().get("state").asText());
            // a paused guest cannot read the keyboard: Firecracker refuses the action too
            assertEquals(400, api.call("PUT", "/vms/fc1/actions", "{\"action_type\": \"SendCtrlAltDel\"}").status());
            expect(204, api.call("PATCH", "/vms/fc1/vm", "{\"state\": \"Resumed\"}"));
            assertEquals("Running", api.call("GET", "/vms/fc1", null).json().get("state").asText());

            expect(204, api.call("PUT", "/vms/fc1/actions", "{\"action_type\": \"FlushMetrics\"}"));
            List<String> lines = Files.readAllLines(metrics);
            assertEquals(1, lines.size(), "one metrics line per flush: " + lines);
            JsonNode m = JSON.readTree(lines.get(0));
            assertTrue(m.get("utc_timestamp_ms").asLong() > 0);
            assertTrue(m.get("vcpu").get("exit_io_out").asLong() > 0, "serial output is port I/O: " + m);
            assertTrue(m.get("vcpu").get("exit_mmio_write").asLong() > 0, "the boot timer and virtio are MMIO: " + m);
            assertEquals(4096, m.get("block_scratch").get("read_bytes").asLong(), "the probe reads 4 KiB at sector 0: " + m);
            assertEquals(4096, m.get("block").get("read_bytes").asLong(), m::toString);
            assertEquals("running", m.get("flotilla").get("state").asText());
            // counters are the increase since the previous line, as Firecracker writes them
            expect(204, api.call("PUT", "/vms/fc1/actions", "{\"action_type\": \"FlushMetrics\"}"));
            JsonNode second = JSON.readTree(Files.readAllLines(metrics).get(1));
            assertEquals(0, second.get("block").get("read_bytes").asLong(), second::toString);

            expect(204, api.call("PUT", "/vms/fc1/actions", "{\"action_type\": \"SendCtrlAltDel\"}"));
            DaemonProcess.await("fc1 ended by its own reset", Duration.ofSeconds(30),
                    () -> status(api).get("state").asText().equals("stopped"));
            JsonNode end = status(api).get("end_reason");
            assertEquals("reset", end.get("kind").asText(), end::toString);
            assertTrue(console(d).contains("probe: ctrl-alt-del"), console(d));
            // the histogram reaches the exposition on Kamon's next tick (1 s here): the run may end before it
            DaemonProcess.await("fc1's boot time in the metrics, once", Duration.ofSeconds(5), () -> {
                try {
                    return DaemonProcess.sample(d.scrape(), "flotilla_vm_boot_time_seconds_count", Map.of("vm", "fc1")) == 1.0;
                } catch (Exception e) {
                    throw new IllegalStateException("GET /metrics: " + e, e);
                }
            });
        }
    }

    private static JsonNode status(FlotillaClient api) {
        return api.call("GET", "/vms/fc1/status", null).json();
    }

    private static String console(DaemonProcess d) {
        try {
            Path c = d.dir.resolve("state/consoles/fc1.log");
            return Files.exists(c) ? Files.readString(c) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void expect(int status, FlotillaClient.Answer a) {
        assertEquals(status, a.status(), () -> "answer " + a.status() + ": " + a.body());
    }
}
