package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.pattern.StatusReply;
import dev.flotilla.kvm.hostfs.HostFiles;
import dev.flotilla.kvm.hostfs.HostRoot;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.config.VsockConfig;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM's host files on the real /dev/kvm, opened beneath their roots at every build: a vsock socket left at
 * {@code uds_path} by a run that was killed is removed and the VM starts; a regular file or a link there is
 * refused and left as it was; a drive swapped for a link between two runs (a restart builds again) fails the
 * second build and the link's target is not touched.
 */
class VmHostFilesIT {

    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    @TempDir
    Path tmp;
    Path root;
    Path outside;
    HostFiles files;

    @BeforeEach
    void roots() throws Exception {
        root = Files.createDirectory(tmp.resolve("root"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        files = HostFiles.open(List.of(HostRoot.of(root), HostRoot.of(ProbeGuest.elf().toRealPath().getParent())));
    }

    @AfterEach
    void close() {
        files.close();
    }

    private static VmSpec spec(String id, VmDevices devices) throws java.io.IOException {
        // resolved, as the API stores it
        return new VmSpec(id, new MachineConfig(1, 32, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(ProbeGuest.elf().toRealPath(), Optional.empty(), "console=ttyS0 probe.hold"), devices);
    }

    private static VmDevices vsock(Path uds) {
        return new VmDevices(List.of(), List.of(), Optional.of(new VsockConfig(3, uds)), Optional.empty(), Optional.empty());
    }

    @Test
    void aStaleSocketFromAKilledRunIsRemovedAndTheVmStarts() throws Exception {
        Path uds = root.resolve("v.sock");
        // what a kill -9 leaves: a bound socket file nobody listens on any more
        try (ServerSocketChannel previous = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            previous.bind(UnixDomainSocketAddress.of(uds));
        }
        assertTrue(Files.exists(uds, LinkOption.NOFOLLOW_LINKS));
        KvmTestBed.Started s = bed.start(spec("vsock-stale", vsock(uds)), BootProtocol.AUTO, files);
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(uds))) {
            assertTrue(c.isConnected(), "the new listener answers at uds_path");
        }
        bed.stop(s.vm());
        bed.awaitEnd(s.vm(), Duration.ofSeconds(30));
        assertFalse(Files.exists(uds, LinkOption.NOFOLLOW_LINKS), "the device removes its own socket when the VM ends");
    }

    @Test
    void aRegularFileOrALinkAtUdsPathIsRefusedAndLeftUntouched() throws Exception {
        Path uds = root.resolve("v.sock");
        Files.writeString(uds, "someone's data");
        FileTime mtime = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(uds, mtime);
        StatusReply<VmInfo> file = bed.attempt(spec("vsock-file", vsock(uds)), BootProtocol.AUTO, files).reply();
        assertTrue(file.isError(), "a regular file at uds_path must not be replaced");
        assertTrue(file.getError().getMessage().contains("exists and is a regular file"), file.getError().getMessage());
        assertEquals("someone's data", Files.readString(uds));
        assertEquals(mtime, Files.getLastModifiedTime(uds));

        Path target = Files.writeString(outside.resolve("target"), "outside");
        Files.setLastModifiedTime(target, mtime);
        Path link = root.resolve("l.sock");
        Files.createSymbolicLink(link, target);
        StatusReply<VmInfo> linked = bed.attempt(spec("vsock-link", vsock(link)), BootProtocol.AUTO, files).reply();
        assertTrue(linked.isError());
        assertTrue(linked.getError().getMessage().contains("symbolic link"), linked.getError().getMessage());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("outside", Files.readString(target));
        assertEquals(mtime, Files.getLastModifiedTime(target));
    }

    @Test
    void aDriveSwappedForALinkBetweenTwoRunsFailsTheSecondBuild() throws Exception {
        Path disk = Files.write(root.resolve("disk.img"), new byte[64 * 1024]);
        Path secret = Files.write(outside.resolve("secret.img"), new byte[64 * 1024]);
        FileTime mtime = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(secret, mtime);
        VmDevices devices = new VmDevices(List.of(new DriveConfig("scratch", disk, false, false, Optional.empty(), Optional.empty())),
                List.of(), Optional.empty(), Optional.empty(), Optional.empty());
        KvmTestBed.Started first = bed.start(spec("swap-1", devices), BootProtocol.AUTO, files);
        bed.stop(first.vm());
        bed.awaitEnd(first.vm(), Duration.ofSeconds(30));

        Files.delete(disk);
        Files.createSymbolicLink(disk, secret);
        StatusReply<VmInfo> again = bed.attempt(spec("swap-2", devices), BootProtocol.AUTO, files).reply();
        assertTrue(again.isError(), "the restart's build opens the drive again, and refuses the link");
        String m = again.getError().getMessage();
        assertTrue(m.contains(disk.toString()) && m.contains("symbolic link") && m.contains("allow symlinks"), m);
        assertEquals(mtime, Files.getLastModifiedTime(secret));
        assertTrue(java.util.Arrays.equals(new byte[64 * 1024], Files.readAllBytes(secret)));
    }
}
