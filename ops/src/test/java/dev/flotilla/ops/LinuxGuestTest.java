package dev.flotilla.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxGuestTest {

    @TempDir
    Path dir;

    private void artifacts() throws IOException {
        Files.writeString(dir.resolve("vmlinuz"), "bz");
        Files.writeString(dir.resolve("vmlinux"), "elf");
        Files.writeString(dir.resolve("initramfs.cpio.gz"), "cpio");
    }

    @Test
    void completeCacheYieldsItsArtifactsAndRelease() throws IOException {
        artifacts();
        Files.writeString(dir.resolve("manifest"), "recipe=abc\npackage=linux-image-6.1.0-50-cloud-amd64\n"
                + "release=6.1.0-50-cloud-amd64\n");

        LinuxGuest guest = LinuxGuest.find(dir).orElseThrow();

        assertEquals(dir.resolve("vmlinuz"), guest.kernel());
        assertEquals(dir.resolve("vmlinux"), guest.vmlinux());
        assertEquals(dir.resolve("initramfs.cpio.gz"), guest.initrd());
        assertEquals("6.1.0-50-cloud-amd64", guest.release());
    }

    @Test
    void cacheWithoutManifestIsStillBeingBuilt() throws IOException {
        artifacts();

        assertTrue(LinuxGuest.find(dir).isEmpty());
    }

    @Test
    void emptyArtifactMeansAbsent() throws IOException {
        artifacts();
        Files.writeString(dir.resolve("manifest"), "release=6.1.0-50-cloud-amd64\n");
        Files.writeString(dir.resolve("vmlinux"), "");

        assertTrue(LinuxGuest.find(dir).isEmpty());
    }

    @Test
    void manifestWithoutReleaseMeansAbsent() throws IOException {
        artifacts();
        Files.writeString(dir.resolve("manifest"), "recipe=abc\n");

        assertTrue(LinuxGuest.find(dir).isEmpty());
    }

    @Test
    void cacheDirFollowsFlotillaCacheElseHome() {
        assertEquals(Path.of("/srv/cache/linux"), LinuxGuest.cacheDir(Map.of("FLOTILLA_CACHE", "/srv/cache"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/flotilla/linux"), LinuxGuest.cacheDir(Map.of(), "/home/u"));
    }
}
