package dev.flotilla.ops.metrics;

import dev.flotilla.vm.console.ConsoleFileWriter;
import kamon.Kamon;
import kamon.metric.MeasurementUnit;

/**
 * The console files' Kamon instruments, fed from the writer's totals by difference (so nothing is counted
 * twice): failed opens/appends/rotations, bytes written and dropped (writer behind, under the free-space
 * floor, or failed), and whether the floor holds the files back now.
 *
 * <p>Threading: {@link #update} from one caller at a time (the daemon's scheduled poll).
 */
public final class ConsoleInstruments {

    static final String ERRORS = "flotilla.console.file.errors";
    static final String BYTES = "flotilla.console.file";
    static final String PAUSED = "flotilla.console.file.paused";

    private long errors;
    private long written;
    private long dropped;

    public void update(ConsoleFileWriter.Stats s) {
        errors = add(Kamon.counter(ERRORS, "Console file opens, appends and rotations that failed (ENOSPC, EIO ...)")
                .withoutTags(), errors, s.writeErrors());
        var bytes = Kamon.counter(BYTES, "Console bytes written to files, or dropped from them (kept in memory only)",
                MeasurementUnit.information().bytes());
        written = add(bytes.withTags(Tags.of("kind", "written")), written, s.writtenBytes());
        dropped = add(bytes.withTags(Tags.of("kind", "dropped")), dropped, s.droppedBytes());
        Kamon.gauge(PAUSED, "1 while console files are not written: the free-space floor is reached").withoutTags()
                .update(s.belowFloor() ? 1 : 0);
    }

    private static long add(kamon.metric.Counter c, long before, long total) {
        long d = total < before ? total : total - before;
        if (d > 0) c.increment(d);
        return total;
    }
}
