package dev.flotilla.vm.console;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Console files written by the writer thread: caps, failures and a stuck disk, on real files. */
class ConsoleFileWriterTest {

    @TempDir
    Path dir;

    private static void print(ConsoleSink sink, String text) {
        byte[] b = text.getBytes(US_ASCII);
        sink.write(b, 0, b.length);
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), US_ASCII);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + out);
    }

    @Test
    void manyConsolesShareOneWriterEachCappedInItsOwnFiles() throws Exception {
        try (var writer = new ConsoleFileWriter(dir, new ConsoleFileLimits(4096, 0), System::nanoTime)) {
            ConsoleSink a = ConsoleSink.writingTo(writer.open("a.log"));
            ConsoleSink b = ConsoleSink.writingTo(writer.open("b.log"));
            for (int i = 0; i < 1000; i++) {
                print(a, "a line " + i + "\n");
                print(b, "b line " + i + "\n");
            }
            a.flush();
            b.flush();
            for (String name : new String[] {"a", "b"}) {
                String kept = Files.readString(dir.resolve(name + ".log.1")) + Files.readString(dir.resolve(name + ".log"));
                assertTrue(kept.length() <= 4096 && kept.length() >= 2048, name + ": " + kept.length());
                assertTrue(kept.endsWith(name + " line 999\n"), "the newest output is on disk");
                assertFalse(kept.contains(name.equals("a") ? "b line" : "a line"), "no console's bytes in another's file");
            }
            assertEquals(0, writer.stats().writeErrors());
            a.close();
            b.close();
        }
    }

    @Test
    void underTheFreeSpaceFloorNothingIsWrittenAndTheOutputStaysInMemory() throws Exception {
        long floor = Files.getFileStore(dir).getUsableSpace() + (1L << 40);   // more than this filesystem has free
        try (var writer = new ConsoleFileWriter(dir, new ConsoleFileLimits(1 << 20, floor), System::nanoTime)) {
            ConsoleSink sink = ConsoleSink.writingTo(writer.open("vm.log"));
            print(sink, "kernel says hello\n");
            sink.flush();
            assertFalse(Files.exists(dir.resolve("vm.log")), "no file made under the floor");
            assertTrue(writer.stats().belowFloor());
            assertEquals(18, writer.stats().droppedBytes());
            assertEquals(0, writer.stats().writeErrors(), "the floor is a decision, not an error");
            assertEquals("kernel says hello\n", sink.snapshot());
        }
    }

    @Test
    void writeErrorsOnAFullFilesystemAreCountedAndLoggedRateLimited() throws Exception {
        assumeTrue(root(), "mounting a tmpfs needs root");
        Path mnt = Files.createDirectory(dir.resolve("tiny"));
        run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt.toString());
        try {
            fill(mnt);
            AtomicLong clock = new AtomicLong();
            try (var writer = new ConsoleFileWriter(mnt, new ConsoleFileLimits(1 << 20, 0), clock::get)) {
                ConsoleSink sink = ConsoleSink.writingTo(writer.open("vm.log"));
                for (int i = 0; i < 50; i++) {
                    print(sink, "line " + i + " " + "x".repeat(100) + "\n");
                    sink.flush();   // one batch per line: 50 failing appends
                }
                assertEquals(50, sink.fileWriteFailures());
                assertEquals(50, writer.stats().writeErrors());
                assertTrue(sink.firstFileError().orElseThrow().contains("No space left"), sink.firstFileError().orElseThrow());
                assertEquals(1, writer.errorLogLines(), "one log line within the minute, not fifty");
                clock.addAndGet(ConsoleFileWriter.LOG_INTERVAL_NANOS);
                print(sink, "after a minute\n");
                sink.flush();
                assertEquals(2, writer.errorLogLines(), "the next error after the interval is logged again");
                assertTrue(sink.snapshot().endsWith("after a minute\n"), "the ring keeps everything");
                sink.close();
            }
        } finally {
            run("umount", mnt.toString());
        }
    }

    @Test
    void aWriterStuckOnIoNeverBlocksTheConsole() throws Exception {
        Path fifo = dir.resolve("stuck.log");
        run("mkfifo", fifo.toString());   // opening a FIFO for writing waits for a reader: the writer thread is stuck
        try (var writer = new ConsoleFileWriter(dir, new ConsoleFileLimits(1 << 20, 0), System::nanoTime)) {
            ConsoleSink sink = ConsoleSink.writingTo(writer.open("stuck.log"));
            String line = "y".repeat(1023) + "\n";
            CompletableFuture<Void> guest = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 1024; i++) print(sink, line);   // 1 MiB, 16 times the pending bound
            });
            guest.get(60, TimeUnit.SECONDS);   // bounds a hang only: the assertion is that it returns at all
            long dropped = writer.stats().droppedBytes();
            // kept at most: the batch the stuck writer holds and a full pending queue, each MAX_PENDING_BYTES
            assertTrue(dropped >= (1 << 20) - 2 * ConsoleFileWriter.MAX_PENDING_BYTES - 1024, "dropped " + dropped);
            assertTrue(sink.snapshot().endsWith(line), "the ring has the newest output");
            // unstick the writer so it can be closed: read the FIFO until the writer closes its end
            sink.close();
            try (InputStream in = Files.newInputStream(fifo)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        }
    }

    /** Fills a filesystem to its last block. */
    private static void fill(Path mnt) throws IOException {
        try (OutputStream out = Files.newOutputStream(mnt.resolve("filler"))) {
            byte[] block = new byte[4096];
            while (true) out.write(block);
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) throw e;
        }
    }
}
