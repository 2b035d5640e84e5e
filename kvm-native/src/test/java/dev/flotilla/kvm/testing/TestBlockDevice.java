package dev.flotilla.kvm.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real block device for tests, at a path inside a test directory: a loop device over a small file
 * ({@code losetup -f --show}) placed there as a device node with mknod, or, where no loop device can be
 * set up, a node for {@code /dev/loop0}'s numbers. Closing detaches the loop device and removes the node.
 */
public final class TestBlockDevice implements AutoCloseable {

    private final Path node;
    private final String loopDevice;

    private TestBlockDevice(Path node, String loopDevice) {
        this.node = node;
        this.loopDevice = loopDevice;
    }

    /** A block device node at {@code dir/name}, or null if this host allows neither (then say so and skip). */
    public static TestBlockDevice create(Path dir, String name) throws IOException, InterruptedException {
        Path backing = dir.resolve(name + ".backing");
        Files.write(backing, new byte[64 * 1024]);
        String loop = run("losetup", "-f", "--show", backing.toString());
        Path node = dir.resolve(name);
        int major = 7;
        int minor = 0;
        if (loop != null && loop.startsWith("/dev/loop")) {
            String numbers = run("stat", "-c", "%t %T", loop);
            if (numbers != null) {
                String[] mm = numbers.split(" ");
                major = Integer.parseInt(mm[0], 16);
                minor = Integer.parseInt(mm[1], 16);
            }
        } else {
            loop = null;
        }
        if (run("mknod", node.toString(), "b", Integer.toString(major), Integer.toString(minor)) == null) {
            if (loop != null) run("losetup", "-d", loop);
            return null;
        }
        return new TestBlockDevice(node, loop);
    }

    public Path path() {
        return node;
    }

    /** True if the node is backed by a loop device this fixture set up (its size is then 64 KiB). */
    public boolean isLoop() {
        return loopDevice != null;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        return p.exitValue() == 0 ? out : null;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Files.deleteIfExists(node);
        if (loopDevice != null) run("losetup", "-d", loopDevice);
    }
}
