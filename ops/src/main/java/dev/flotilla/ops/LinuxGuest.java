package dev.flotilla.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The ready-made Linux guest that {@code ops/bin/fetch-linux-guest} caches: Debian 12's cloud kernel
 * (as shipped, a bzImage, and the uncompressed ELF cut out of it) and Flotilla's initramfs for it.
 *
 * <p>The cache counts as present only when its {@code manifest} exists: the script writes the manifest
 * last, so a half-built cache (a fetch interrupted or still running) is never handed out.
 *
 * @param kernel  the bzImage, {@code vmlinuz}
 * @param vmlinux the uncompressed ELF kernel, {@code vmlinux}
 * @param initrd  the gzip'd newc initramfs, {@code initramfs.cpio.gz}
 * @param release the kernel release the modules in the initramfs belong to, e.g. {@code 6.1.0-50-cloud-amd64}
 */
public record LinuxGuest(Path kernel, Path vmlinux, Path initrd, String release) {

    /** The command that fills the cache, for messages that tell the user what to do. */
    public static final String FETCH_COMMAND = "ops/bin/fetch-linux-guest";

    /** Environment variable that moves the cache root, as it does for the script. */
    public static final String CACHE_ENV = "FLOTILLA_CACHE";

    private static final String MANIFEST = "manifest";

    public LinuxGuest {
        if (kernel == null || vmlinux == null || initrd == null || release == null || release.isBlank()) {
            throw new IllegalArgumentException("LinuxGuest needs a kernel, vmlinux, initrd and release");
        }
    }

    /** The guest in this user's cache, if {@value #FETCH_COMMAND} has completed. */
    public static Optional<LinuxGuest> find() {
        return find(cacheDir(System.getenv(), System.getProperty("user.home")));
    }

    /** The guest in {@code dir} (the {@code linux} directory of a cache root), if complete. */
    public static Optional<LinuxGuest> find(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        Path kernel = dir.resolve("vmlinuz");
        Path vmlinux = dir.resolve("vmlinux");
        Path initrd = dir.resolve("initramfs.cpio.gz");
        if (!nonEmpty(manifest) || !nonEmpty(kernel) || !nonEmpty(vmlinux) || !nonEmpty(initrd)) {
            return Optional.empty();
        }
        return manifestValue(manifest, "release")
                .map(release -> new LinuxGuest(kernel, vmlinux, initrd, release));
    }

    /**
     * Where the script puts the guest: {@code $FLOTILLA_CACHE/linux}, else
     * {@code <home>/.cache/flotilla/linux}. Exposed so a skipped test can say where it looked.
     */
    public static Path cacheDir(Map<String, String> env, String userHome) {
        String root = env.get(CACHE_ENV);
        Path base = root != null && !root.isEmpty() ? Path.of(root) : Path.of(userHome, ".cache", "flotilla");
        return base.resolve("linux");
    }

    /** Why {@link #find()} came back empty, phrased as what to do about it. */
    public static String absenceReason() {
        Path dir = cacheDir(System.getenv(), System.getProperty("user.home"));
        return "no Linux guest cached in " + dir + ": run " + FETCH_COMMAND;
    }

    private static boolean nonEmpty(Path file) {
        try {
            return Files.isRegularFile(file) && Files.size(file) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<String> manifestValue(Path manifest, String key) {
        try (var lines = Files.lines(manifest)) {
            String prefix = key + "=";
            return lines.filter(line -> line.startsWith(prefix))
                    .map(line -> line.substring(prefix.length()).strip())
                    .filter(value -> !value.isEmpty())
                    .findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + manifest + " failed; rerun " + FETCH_COMMAND, e);
        }
    }
}
