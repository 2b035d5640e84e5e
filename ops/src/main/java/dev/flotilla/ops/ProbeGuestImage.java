package dev.flotilla.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The embedded default guest: the probe guest travels inside the jar and is written once to the cache
 * (named by its hash, so a new build never runs a stale copy). A build tree's copy wins when present.
 */
public final class ProbeGuestImage {

    private static final String RESOURCE = "/guest/probe.elf";

    private ProbeGuestImage() {}

    public static Path path() {
        String dir = System.getProperty("flotilla.guest.dir");
        if (dir != null && Files.isRegularFile(Path.of(dir, "probe.elf"))) {
            return Path.of(dir, "probe.elf").toAbsolutePath();
        }
        try (InputStream in = ProbeGuestImage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the probe guest is not in this build (no " + RESOURCE
                        + " resource): rebuild with 'mvn -B package' from the project top, which runs make -C ops/guest");
            }
            byte[] image = in.readAllBytes();
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image)).substring(0, 16);
            Path target = cacheDir().resolve("guest").resolve("probe-" + hash + ".elf");
            if (!Files.isRegularFile(target)) {
                Files.createDirectories(target.getParent());
                Path tmp = Files.createTempFile(target.getParent(), "probe", ".tmp");
                Files.write(tmp, image);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the probe guest to " + cacheDir()
                    + ": set FLOTILLA_CACHE to a writable directory", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path cacheDir() {
        String env = System.getenv("FLOTILLA_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "flotilla");
    }
}
