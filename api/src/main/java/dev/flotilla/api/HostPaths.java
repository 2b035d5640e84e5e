package dev.flotilla.api;

import dev.flotilla.vm.config.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Confines every host path named in a request (kernel, initrd, drive files, vsock socket, log and metrics
 * files) to the configured roots. Thread-safe: immutable after construction.
 *
 * <p>A path is accepted when it is absolute, has no {@code ..} segment, and — after the symlinks of its longest
 * existing prefix are resolved — lies under one of the roots (whose own symlinks are resolved too). The
 * resolved path is what is stored, so it has no link in it. Paths that do not exist yet (a socket the VMM
 * will create, a metrics file) are checked through their nearest existing parent. This answers a bad path
 * with a 400 at once; it does not protect the later use: a link, FIFO or device swapped in after the PUT is
 * refused when the daemon opens the file beneath its root ({@code dev.flotilla.kvm.hostfs.HostFiles}).
 */
public final class HostPaths {

    private final List<Path> roots;

    public HostPaths(List<Path> roots) {
        List<Path> resolved = new ArrayList<>();
        for (Path r : roots) {
            Path abs = r.toAbsolutePath().normalize();
            Path real = resolve(abs);
            resolved.add(real == null ? abs : real);
        }
        this.roots = List.copyOf(resolved);
    }

    public List<Path> roots() {
        return roots;
    }

    /**
     * @param field the API field, named in the error ("path_on_host")
     * @return the resolved path under a root
     * @throws InvalidConfigException naming the field, the path and the roots
     */
    public Path confine(String field, String raw) {
        if (raw == null || raw.isEmpty()) throw new InvalidConfigException(field, field + " is empty: give an absolute path under " + rootList());
        if (raw.indexOf('\0') >= 0) throw new InvalidConfigException(field, field + " contains a NUL character");
        if (raw.length() > 4096) throw new InvalidConfigException(field, field + " is longer than 4096 characters");
        Path p;
        try {
            p = Path.of(raw);
        } catch (RuntimeException e) {
            throw new InvalidConfigException(field, field + " '" + raw + "' is not a valid path");
        }
        if (!p.isAbsolute()) {
            throw new InvalidConfigException(field, field + " '" + raw + "' is relative: give an absolute path under " + rootList());
        }
        for (Path segment : p) {
            if (segment.toString().equals("..")) {
                throw new InvalidConfigException(field, field + " '" + raw + "' has a '..' segment: give the path without it, under " + rootList());
            }
        }
        Path resolved = resolve(p.normalize());
        if (resolved == null) {
            throw new InvalidConfigException(field, field + " '" + raw + "' cannot be resolved (a dangling symlink, or a directory "
                    + "Flotilla may not read): give a path whose directories exist and are readable, under " + rootList());
        }
        for (Path root : roots) {
            if (resolved.startsWith(root)) return resolved;
        }
        String via = resolved.equals(p.normalize()) ? "" : " (it resolves to " + resolved + ")";
        throw new InvalidConfigException(field, field + " '" + raw + "'" + via + " is outside the allowed roots " + rootList()
                + ": move the file under one of them, or add its directory to the API's allowed roots");
    }

    private String rootList() {
        return roots.stream().map(Path::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    /** Real path of the longest existing prefix, with the rest appended (nothing of it exists, so no links); null if unresolvable. */
    private static Path resolve(Path absolute) {
        Path existing = absolute;
        Path rest = null;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            Path name = existing.getFileName();
            rest = rest == null ? name : name.resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null) return absolute;
        try {
            Path real = existing.toRealPath();
            return rest == null ? real : real.resolve(rest);
        } catch (IOException e) {
            // A dangling symlink or unreadable directory: its target is unknown, so it cannot be shown to be inside.
            return null;
        }
    }
}
