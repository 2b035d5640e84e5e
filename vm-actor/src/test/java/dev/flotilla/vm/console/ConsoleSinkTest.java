package dev.flotilla.vm.console;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleSinkTest {

    private static void print(ConsoleSink sink, String text) {
        byte[] bytes = text.getBytes(UTF_8);
        sink.write(bytes, 0, bytes.length);
    }

    @Test
    void ringKeepsTheNewestBytesAndCountsTheDropped() {
        var sink = new ConsoleSink(8, null);
        print(sink, "abcdef");
        assertEquals("abcdef", sink.snapshot());
        assertEquals(0, sink.droppedBytes());

        print(sink, "ghij");
        assertEquals("cdefghij", sink.snapshot());
        assertEquals(2, sink.droppedBytes());
        assertEquals(10, sink.totalBytes());
        assertEquals("hij", sink.tail(3));
        assertEquals("cdefghij", sink.tail(100));

        print(sink, "0123456789ABCDEF");
        assertEquals("89ABCDEF", sink.snapshot());
        assertEquals(18, sink.droppedBytes());
    }

    @Test
    void listenersGetWholeLinesWithoutLineEnds() {
        var sink = ConsoleSink.inMemory();
        List<String> lines = new ArrayList<>();
        sink.addLineListener(lines::add);
        print(sink, "Linux version 6.1\r\nCommand line: console=ttyS0\npartial");
        assertEquals(List.of("Linux version 6.1", "Command line: console=ttyS0"), lines);
        print(sink, " line\n\n");
        assertEquals(List.of("Linux version 6.1", "Command line: console=ttyS0", "partial line", ""), lines);
    }

    @Test
    void linesLongerThanTheLimitArriveInPieces() {
        var sink = ConsoleSink.inMemory();
        List<String> lines = new ArrayList<>();
        sink.addLineListener(lines::add);
        print(sink, "x".repeat(ConsoleSink.MAX_LINE_BYTES * 2 + 10) + "\n");
        assertEquals(3, lines.size());
        assertEquals("x".repeat(ConsoleSink.MAX_LINE_BYTES), lines.get(0));
        assertEquals("x".repeat(ConsoleSink.MAX_LINE_BYTES), lines.get(1));
        assertEquals("x".repeat(10), lines.get(2));
    }

    @Test
    void removedListenerHearsNothingMore() throws Exception {
        var sink = ConsoleSink.inMemory();
        List<String> lines = new ArrayList<>();
        AutoCloseable subscription = sink.addLineListener(lines::add);
        print(sink, "one\n");
        subscription.close();
        print(sink, "two\n");
        assertEquals(List.of("one"), lines);
    }

    @Test
    void failingListenerDoesNotReachTheWriter() {
        var sink = ConsoleSink.inMemory();
        List<String> lines = new ArrayList<>();
        sink.addLineListener(line -> {
            throw new IllegalStateException("listener bug");
        });
        sink.addLineListener(lines::add);
        print(sink, "still delivered\n");
        assertEquals(List.of("still delivered"), lines);
    }

    @Test
    void awaitLineMatchesALineAlreadyPrinted() throws Exception {
        var sink = ConsoleSink.inMemory();
        print(sink, "booting\r\nprobe: ready\nlater\n");
        CompletableFuture<String> ready = sink.awaitLine(line -> line.startsWith("probe:"));
        assertTrue(ready.isDone());
        assertEquals("probe: ready", ready.get());
    }

    @Test
    void awaitLineCompletesWhenTheLineIsPrinted() throws Exception {
        var sink = ConsoleSink.inMemory();
        CompletableFuture<String> ready = sink.awaitLine(line -> line.contains("ready"));
        print(sink, "not yet\nalmost rea");
        assertFalse(ready.isDone());
        print(sink, "dy\n");
        assertEquals("almost ready", ready.get(1, TimeUnit.SECONDS));
    }

    @Test
    void awaitLineIgnoresTheUnfinishedLastLine() {
        var sink = ConsoleSink.inMemory();
        print(sink, "login: ");
        assertFalse(sink.awaitLine(line -> line.startsWith("login")).isDone());
    }

    @Test
    void awaitLineIgnoresTheHeadOfALineCutOffByTheRing() {
        var sink = new ConsoleSink(16, null);
        print(sink, "xxxxxready\nabc\n");       // 15 bytes: nothing dropped yet
        assertTrue(sink.awaitLine(line -> line.equals("xxxxxready")).isDone());
        print(sink, "def\n");                   // "xxx" dropped: the ring now starts mid-line
        assertFalse(sink.awaitLine(line -> line.endsWith("ready")).isDone());
        assertEquals(List.of("abc", "def"), sink.tailLines(5));
    }

    @Test
    void awaitLineWithAThrowingPredicateFails() {
        var sink = ConsoleSink.inMemory();
        CompletableFuture<String> future = sink.awaitLine(line -> {
            throw new IllegalArgumentException("bad predicate");
        });
        print(sink, "x\n");
        var e = assertThrows(ExecutionException.class, () -> future.get(1, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalArgumentException);
        print(sink, "y\n");                      // the failed waiter is gone: no second throw anywhere
    }

    @Test
    void tailLinesReturnsTheLastCompleteLines() {
        var sink = ConsoleSink.inMemory();
        print(sink, "a\r\nb\nc\nunfinished");
        assertEquals(List.of("b", "c"), sink.tailLines(2));
        assertEquals(List.of("a", "b", "c"), sink.tailLines(10));
        assertEquals(List.of(), sink.tailLines(0));
    }

    @Test
    void fileGetsEveryByteAppendedToWhatWasThere(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("console.log");
        Files.writeString(file, "earlier run\n");
        try (var sink = ConsoleSink.appendingTo(file)) {
            print(sink, "line one\n");
            sink.flush();
            assertEquals("earlier run\nline one\n", Files.readString(file));
            print(sink, "prompt$ ");
        }
        assertEquals("earlier run\nline one\nprompt$ ", Files.readString(file));
    }

    @Test
    void fileThatCannotBeOpenedIsReportedWithItsPath(@TempDir Path dir) {
        Path file = dir.resolve("missing-dir").resolve("console.log");
        var e = assertThrows(UncheckedIOException.class, () -> ConsoleSink.appendingTo(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void fileWriteFailuresAreCountedNotThrown() {
        Path full = Path.of("/dev/full");
        assumeTrue(Files.isWritable(full), "needs /dev/full to make writes fail");
        try (var sink = ConsoleSink.appendingTo(full)) {
            print(sink, "first\nsecond\n");
            sink.flush();
            assertTrue(sink.fileWriteFailures() > 0);
            assertTrue(sink.firstFileError().orElseThrow().contains("/dev/full"));
            assertEquals("first\nsecond\n", sink.snapshot(), "memory copy unaffected");
        }
    }

    @Test
    void writesAfterCloseAreIgnored() {
        var sink = ConsoleSink.inMemory();
        print(sink, "a");
        sink.close();
        print(sink, "b");
        assertEquals("a", sink.snapshot());
    }
}
