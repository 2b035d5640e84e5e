package dev.flotilla.vm.devices.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a drive's file: what the user is told when it cannot be used, and what it holds open. */
class BackingFileTest {

    @TempDir
    Path dir;

    @Test
    void aMissingFileIsNamedAndTheFixSaid() {
        IOException e = assertThrows(IOException.class, () -> BackingFile.open(dir.resolve("nope.img"), false));
        assertEquals("cannot open backing file: drive " + dir.resolve("nope.img") + ": it does not exist; create it or fix path_on_host",
                e.getMessage());
    }

    @Test
    void aDirectoryForAWritableDriveIsRefusedSayingWhatToGive() {
        IOException e = assertThrows(IOException.class, () -> BackingFile.open(dir, false));
        assertEquals("cannot open backing file: drive " + dir + ": it is a directory; give the path of a file", e.getMessage());
    }

    @Test
    void aFileThatOpensShowsItsSizeInWholeSectorsAndClosesCleanly() throws IOException {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[3 * 512 + 100]);
        try (BackingFile file = BackingFile.open(f, true)) {
            assertTrue(file.readOnly());
            assertTrue(file.hasRawFd(), "opened by path: the raw fd for vectored I/O is there");
            assertEquals(3 * 512 + 100, file.sizeBytes());
            assertEquals(3, file.capacitySectors());
        }
    }
}
