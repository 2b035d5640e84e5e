package dev.flotilla.kvm.hostfs;

import dev.flotilla.kvm.testing.TestBlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The openat2-based open on real files, links, FIFOs, directories and devices in a temp dir: real syscalls.
 * The class timeout is only a net: an open that blocked (a FIFO opened without O_NONBLOCK) fails the run
 * instead of hanging it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostFilesTest {

    @TempDir Path tmp;
    Path root;
    Path outside;

    @BeforeEach
    void dirs() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        outside = Files.createDirectory(tmp.resolve("outside"));
    }

    private HostFiles files(boolean symlinks, boolean blockDevices) throws HostFileException {
        return HostFiles.open(List.of(new HostRoot(root, symlinks, blockDevices)));
    }

    @Test
    void aRegularFileIsReadThroughItsFdEvenAfterItsNameIsReplaced() throws Exception {
        Path kernel = Files.writeString(root.resolve("vmlinux"), "the real kernel");
        try (HostFiles files = files(false, false); HostFile f = files.open(kernel, FileUse.KERNEL)) {
            assertEquals(15, f.size());
            Files.delete(kernel);
            Files.writeString(kernel, "another file");
            ByteBuffer b = ByteBuffer.allocate(15);
            assertEquals(15, f.readAt(b, 0));
            assertEquals("the real kernel", new String(b.array(), StandardCharsets.UTF_8));
            ByteBuffer direct = ByteBuffer.allocateDirect(4);
            assertEquals(4, f.readAt(direct, 4));
            assertEquals(-1, f.readAt(ByteBuffer.allocate(1), 15), "end of file");
        }
    }

    @Test
    void aLinkSwappedInIsRefusedAndItsTargetUntouched() throws Exception {
        Path secret = Files.writeString(outside.resolve("shadow"), "do not touch");
        Files.setLastModifiedTime(secret, FileTime.fromMillis(1_000_000_000_000L));
        Path drive = root.resolve("disk.img");
        Files.createSymbolicLink(drive, secret);
        try (HostFiles files = files(false, false)) {
            HostFileException e = assertThrows(HostFileException.class, () -> files.open(drive, FileUse.DRIVE_READ_WRITE));
            assertTrue(e.getMessage().contains("symbolic link") && e.getMessage().contains("allow symlinks"), e.getMessage());
            // a root that allows links still keeps them beneath it
            try (HostFiles linked = files(true, false)) {
                HostFileException out = assertThrows(HostFileException.class, () -> linked.open(drive, FileUse.DRIVE_READ_WRITE));
                assertTrue(out.getMessage().contains("leads out of its root"), out.getMessage());
            }
            // and so does a link in a directory on the way
            Files.delete(drive);
            Path sub = root.resolve("sub");
            Files.createSymbolicLink(sub, outside);
            HostFileException dir = assertThrows(HostFileException.class, () -> files.open(sub.resolve("shadow"), FileUse.METRICS));
            assertTrue(dir.getMessage().contains("symbolic link"), dir.getMessage());
        }
        assertEquals("do not touch", Files.readString(secret));
        assertEquals(1_000_000_000_000L, Files.getLastModifiedTime(secret).toMillis());
    }

    @Test
    void aLinkBeneathARootThatAllowsLinksIsFollowed() throws Exception {
        Path real = Files.writeString(root.resolve("vmlinux-6.1"), "k");
        Path link = Files.createSymbolicLink(root.resolve("vmlinux"), Path.of("vmlinux-6.1"));
        try (HostFiles files = files(true, false); HostFile f = files.open(link, FileUse.KERNEL)) {
            assertEquals(1, f.size());
        }
        try (HostFiles files = files(false, false)) {
            assertThrows(HostFileException.class, () -> files.open(link, FileUse.KERNEL));
            assertNotNull(real);
        }
    }

    @Test
    void aFifoAsKernelOrDriveIsRefusedWithoutBlocking() throws Exception {
        Path fifo = mkfifo(root.resolve("fifo"));
        try (HostFiles files = files(false, false)) {
            for (FileUse use : List.of(FileUse.KERNEL, FileUse.INITRD, FileUse.DRIVE_READ_ONLY)) {
                HostFileException e = assertThrows(HostFileException.class, () -> files.open(fifo, use));
                assertTrue(e.getMessage().contains("FIFO (named pipe), not a regular file"), e.getMessage());
            }
            // read-write open of a FIFO without O_NONBLOCK does not block, but is a FIFO all the same
            assertThrows(HostFileException.class, () -> files.open(fifo, FileUse.DRIVE_READ_WRITE));
        }
    }

    @Test
    void aMetricsFifoWithoutAReaderIsAnErrorNotABlockedThread() throws Exception {
        Path fifo = mkfifo(root.resolve("metrics.fifo"));
        try (HostFiles files = files(false, false)) {
            HostFileException e = assertThrows(HostFileException.class, () -> files.open(fifo, FileUse.METRICS));
            assertTrue(e.getMessage().contains("FIFO with no reader"), e.getMessage());
        }
    }

    @Test
    void aMetricsFileIsCreatedBeneathTheRoot() throws Exception {
        Path metrics = root.resolve("m.json");
        try (HostFiles files = files(false, false)) {
            try (HostFile f = files.open(metrics, FileUse.METRICS)) {
                f.append("one\n".getBytes(StandardCharsets.UTF_8));
            }
            try (HostFile f = files.open(metrics, FileUse.METRICS)) {
                f.append("two\n".getBytes(StandardCharsets.UTF_8));
            }
        }
        assertEquals("one\ntwo\n", Files.readString(metrics));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(metrics)));
    }

    @Test
    void aDirectoryIsRefused() throws Exception {
        Path dir = Files.createDirectory(root.resolve("images"));
        try (HostFiles files = files(false, false)) {
            HostFileException ro = assertThrows(HostFileException.class, () -> files.open(dir, FileUse.DRIVE_READ_ONLY));
            assertTrue(ro.getMessage().contains("directory"), ro.getMessage());
            HostFileException rw = assertThrows(HostFileException.class, () -> files.open(dir, FileUse.DRIVE_READ_WRITE));
            assertTrue(rw.getMessage().contains("directory"), rw.getMessage());
        }
    }

    @Test
    void aBlockDeviceServesAsDriveOnlyWhereItsRootAllowsIt() throws Exception {
        try (TestBlockDevice dev = TestBlockDevice.create(root, "blk")) {
            Assumptions.assumeTrue(dev != null, "this host can neither set up a loop device nor mknod a block device node");
            try (HostFiles files = files(false, false)) {
                HostFileException e = assertThrows(HostFileException.class, () -> files.open(dev.path(), FileUse.DRIVE_READ_ONLY));
                assertTrue(e.getMessage().contains("block device") && e.getMessage().contains("block-devices = true"), e.getMessage());
            }
            try (HostFiles files = files(false, true)) {
                if (dev.isLoop()) {
                    try (HostFile f = files.open(dev.path(), FileUse.DRIVE_READ_ONLY)) {
                        assertEquals(64 * 1024, f.size(), "a block device's size comes from BLKGETSIZE64");
                    }
                }
                assertThrows(HostFileException.class, () -> files.open(dev.path(), FileUse.KERNEL), "never as a kernel");
            }
        }
    }

    @Test
    void pathsOutsideTheRootOrThroughDotDotAreRefused() throws Exception {
        Path secret = Files.writeString(outside.resolve("shadow"), "x");
        try (HostFiles files = files(true, false)) {
            HostFileException dots = assertThrows(HostFileException.class,
                    () -> files.open(Path.of(root + "/../outside/shadow"), FileUse.METRICS));
            assertTrue(dots.getMessage().contains("'..'"), dots.getMessage());
            HostFileException out = assertThrows(HostFileException.class, () -> files.open(secret, FileUse.METRICS));
            assertTrue(out.getMessage().contains("outside the allowed roots"), out.getMessage());
        }
        assertEquals("x", Files.readString(secret));
    }

    @Test
    void missingRootsAreCreatedPrivateAndUnsafeOnesRefused() throws Exception {
        Path fresh = tmp.resolve("a/b/roots");
        HostFiles.open(List.of(HostRoot.of(fresh))).close();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));

        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        HostFileException e = assertThrows(HostFileException.class, () -> HostFiles.open(List.of(HostRoot.of(shared))));
        assertTrue(e.getMessage().contains("world-writable") && e.getMessage().contains("chmod go-w"), e.getMessage());
    }

    @Test
    void aRootOwnedByAnotherUserIsRefused() throws Exception {
        Path theirs = Files.createDirectory(tmp.resolve("theirs"));
        Assumptions.assumeTrue(run("chown", "65534", theirs.toString()), "cannot chown here (not root)");
        HostFileException e = assertThrows(HostFileException.class, () -> HostFiles.open(List.of(HostRoot.of(theirs))));
        assertTrue(e.getMessage().contains("belongs to uid 65534"), e.getMessage());
    }

    @Test
    void staleSocketsAreRemovedAndAnythingElseIsLeftAlone() throws Exception {
        Path sock = root.resolve("v.sock");
        try (HostFiles files = files(false, false)) {
            try (SocketDirectory d = files.socketDirectory(sock)) {
                assertFalse(d.removeStaleSocket(), "nothing there");
            }
            Path file = Files.writeString(sock, "data");
            try (SocketDirectory d = files.socketDirectory(sock)) {
                HostFileException e = assertThrows(HostFileException.class, d::removeStaleSocket);
                assertTrue(e.getMessage().contains("regular file") && e.getMessage().contains("left untouched"), e.getMessage());
            }
            assertEquals("data", Files.readString(file));
            Files.delete(file);
            Path target = Files.writeString(outside.resolve("t"), "t");
            Files.createSymbolicLink(sock, target);
            try (SocketDirectory d = files.socketDirectory(sock)) {
                assertThrows(HostFileException.class, d::removeStaleSocket);
            }
            assertTrue(Files.isSymbolicLink(sock));
            assertEquals("t", Files.readString(target));
            Files.delete(sock);
            try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                ch.bind(java.net.UnixDomainSocketAddress.of(sock));
            }
            try (SocketDirectory d = files.socketDirectory(sock)) {
                assertTrue(d.removeStaleSocket());
            }
            assertFalse(Files.exists(sock, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
    }

    private static Path mkfifo(Path p) throws Exception {
        assertTrue(run("mkfifo", p.toString()), "mkfifo");
        return p;
    }

    private static boolean run(String... cmd) throws Exception {
        Process pr = new ProcessBuilder(cmd).inheritIO().start();
        return pr.waitFor(30, TimeUnit.SECONDS) && pr.exitValue() == 0;
    }
}
