package dev.flotilla.ops.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.testing.TestBlockDevice;
import dev.flotilla.ops.demo.FlotillaClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host paths against a real {@code flotilla serve}: a path accepted at PUT time is opened again, beneath its root,
 * when it is used. A drive or metrics file swapped for a link to a file outside the root after the PUT, a FIFO
 * as kernel or drive, a directory, a block device, and a path through {@code ..} each get a clear error (a 400
 * at the PUT, or the failed build's message at InstanceStart) — an answer, not a request that hangs on a blocked
 * thread — and the file outside the root keeps its content and mtime.
 */
class DaemonHostPathsIT {

    private static final long OLD_MTIME_MS = 1_000_000_000_000L;

    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        DaemonProcess.assumeKvm();
    }

    @Test
    void filesSwappedForLinksAfterThePutAreRefusedAtUseAndTheirTargetsUntouched() throws Exception {
        Path kernel = DaemonProcess.probeUnder(dir);
        Path secret = outsideFile("secret.img", new byte[1 << 20]);
        Path disk = Files.write(dir.resolve("files/disk.img"), new byte[1 << 20]);
        Path metrics = dir.resolve("files/m1.metrics");
        try (DaemonProcess d = DaemonProcess.start(dir, "")) {
            FlotillaClient api = d.api();
            bootSource(api, "m1", kernel);
            expect(204, api.call("PUT", "/vms/m1/drives/scratch", "{\"drive_id\": \"scratch\", \"path_on_host\": \"" + disk
                    + "\", \"is_root_device\": false, \"is_read_only\": false}"));
            // accepted, then replaced by a link to a file outside the root
            Files.delete(disk);
            Files.createSymbolicLink(disk, secret);
            assertStartRefused(api, "m1", disk + ": it, or a directory on its path, is a symbolic link");

            // a VM that starts: its metrics file, written once, then becomes a link out of the root
            bootSource(api, "m2", kernel);
            expect(204, api.call("PUT", "/vms/m2/metrics", "{\"metrics_path\": \"" + metrics + "\"}"));
            expect(204, api.call("PUT", "/vms/m2/actions", "{\"action_type\": \"InstanceStart\"}"));
            expect(204, api.call("PUT", "/vms/m2/actions", "{\"action_type\": \"FlushMetrics\"}"));
            assertEquals(1, Files.readAllLines(metrics).size());
            Files.delete(metrics);
            Files.createSymbolicLink(metrics, secret);
            FlotillaClient.Answer flush = api.call("PUT", "/vms/m2/actions", "{\"action_type\": \"FlushMetrics\"}");
            assertTrue(flush.status() >= 400 && flush.body().contains("symbolic link"), flush.status() + " " + flush.body());
        }
        assertUntouched(secret, new byte[1 << 20]);
    }

    @Test
    void fifosDirectoriesBlockDevicesAndDotDotGetAClearAnswerNotABlockedThread() throws Exception {
        Path kernel = DaemonProcess.probeUnder(dir);
        Path files = dir.resolve("files");
        Path fifo = files.resolve("pipe");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(30, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo");
        Path images = Files.createDirectory(files.resolve("images"));
        Path secret = outsideFile("other.img", "outside".getBytes());
        try (DaemonProcess d = DaemonProcess.start(dir, "");
             TestBlockDevice blk = TestBlockDevice.create(files, "blk")) {
            FlotillaClient api = d.api();

            bootSource(api, "k1", fifo);
            assertStartRefused(api, "k1", "FIFO (named pipe), not a regular file");

            bootSource(api, "d1", kernel);
            drive(api, "d1", fifo);
            assertStartRefused(api, "d1", "FIFO (named pipe), not a regular file");

            bootSource(api, "d2", kernel);
            drive(api, "d2", images);
            assertStartRefused(api, "d2", "directory");

            if (blk != null) {
                bootSource(api, "d3", kernel);
                drive(api, "d3", blk.path());
                assertStartRefused(api, "d3", "block device");
            } else {
                System.err.println("block device case not run: this host can neither set up a loop device nor mknod");
            }

            FlotillaClient.Answer dots = api.call("PUT", "/vms/d4/drives/scratch", "{\"drive_id\": \"scratch\", \"path_on_host\": \""
                    + files + "/../" + secret.getParent().getFileName() + "/" + secret.getFileName() + "\", \"is_root_device\": false}");
            assertEquals(400, dots.status(), dots::body);
            assertTrue(dots.body().contains("'..'"), dots.body());

            // every refused start was answered; the daemon still starts a good VM
            bootSource(api, "ok", kernel);
            expect(204, api.call("PUT", "/vms/ok/actions", "{\"action_type\": \"InstanceStart\"}"));
        }
        assertUntouched(secret, "outside".getBytes());
    }

    private Path outsideFile(String name, byte[] content) throws Exception {
        Path p = Files.write(Files.createDirectories(dir.resolve("outside")).resolve(name), content);
        Files.setLastModifiedTime(p, FileTime.fromMillis(OLD_MTIME_MS));
        return p;
    }

    private static void assertUntouched(Path p, byte[] content) throws Exception {
        assertTrue(java.util.Arrays.equals(content, Files.readAllBytes(p)), p + " was written");
        assertEquals(OLD_MTIME_MS, Files.getLastModifiedTime(p).toMillis(), p + " was modified");
    }

    private static void bootSource(FlotillaClient api, String id, Path kernel) {
        expect(204, api.call("PUT", "/vms/" + id + "/boot-source", "{\"kernel_image_path\": \"" + kernel
                + "\", \"boot_args\": \"console=ttyS0 probe.hold\"}"));
        expect(204, api.call("PUT", "/vms/" + id + "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 32}"));
    }

    private static void drive(FlotillaClient api, String id, Path path) {
        expect(204, api.call("PUT", "/vms/" + id + "/drives/scratch", "{\"drive_id\": \"scratch\", \"path_on_host\": \"" + path
                + "\", \"is_root_device\": false, \"is_read_only\": true}"));
    }

    /** The start is answered 400 (the build refused the user's file: invalid-config) with a message naming the file and why. */
    private static void assertStartRefused(FlotillaClient api, String id, String why) {
        FlotillaClient.Answer a = api.call("PUT", "/vms/" + id + "/actions", "{\"action_type\": \"InstanceStart\"}");
        assertTrue(a.status() == 400 && a.body().contains("cannot") && a.body().contains(why), a.status() + " " + a.body());
    }

    private static void expect(int status, FlotillaClient.Answer a) {
        assertEquals(status, a.status(), () -> "answer " + a.status() + ": " + a.body());
    }
}
