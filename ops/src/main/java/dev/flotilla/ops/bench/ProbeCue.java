package dev.flotilla.ops.bench;

import java.util.Optional;

/**
 * The detail lines a benchmark routine prints around exactly the requests it counts,
 * {@code probe: <routine>: start ...} and {@code probe: <routine>: done ...}: the host reads its CPU
 * clocks when it sees them. On Flotilla's side the console listener runs on the vCPU thread while the
 * guest waits in its serial write, so the reading is exact; QEMU's lines reach a reader thread a little
 * later (while the guest carries on), an error of a few requests in thousands.
 */
record ProbeCue(String routine, Kind kind) {

    enum Kind { START, DONE }

    static Optional<ProbeCue> parse(String line) {
        if (!line.startsWith("probe: ") || line.startsWith("probe: run ")) return Optional.empty();
        int colon = line.indexOf(": ", 7);
        if (colon < 0) return Optional.empty();
        String routine = line.substring(7, colon);
        if (routine.isEmpty() || routine.contains(" ")) return Optional.empty();
        String rest = line.substring(colon + 2);
        if (rest.equals("start") || rest.startsWith("start ")) return Optional.of(new ProbeCue(routine, Kind.START));
        if (rest.equals("done") || rest.startsWith("done ")) return Optional.of(new ProbeCue(routine, Kind.DONE));
        return Optional.empty();
    }
}
