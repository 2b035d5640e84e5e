package dev.flotilla.ops.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Listens to one VM's console: reads the peer's CPU clocks at each routine's start and done cue
 * ({@link ProbeCue}) and pairs the difference with the routine's result line. Lines arrive on one
 * thread (the vCPU thread or QEMU's reader) while the benchmark reads {@link #runs()} from another.
 */
final class CueRecorder implements Consumer<String> {

    /** One routine as the guest reported it, with the CPU its peer used between its cues (if both came). */
    record RoutineRun(ProbeResult result, Optional<CpuSample> cpu) {}

    private final Supplier<CpuSample> sampler;
    private final Map<String, CpuSample> started = new HashMap<>();
    private final Map<String, CpuSample> measured = new HashMap<>();
    private final List<RoutineRun> runs = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    CueRecorder(Supplier<CpuSample> sampler) {
        this.sampler = sampler;
    }

    @Override
    public synchronized void accept(String line) {
        Optional<ProbeCue> cue = ProbeCue.parse(line);
        if (cue.isPresent()) {
            String routine = cue.get().routine();
            CpuSample now;
            try {
                now = sampler.get();
            } catch (RuntimeException e) {
                // never throw into the vCPU thread or QEMU's reader: the run is reported without CPU figures
                problems.add(routine + ": reading CPU clocks failed: " + e.getMessage());
                started.remove(routine);
                return;
            }
            if (cue.get().kind() == ProbeCue.Kind.START) {
                started.put(routine, now);
            } else {
                CpuSample start = started.remove(routine);
                if (start != null) measured.put(routine, now.minus(start));
            }
            return;
        }
        ProbeResult.parse(line).ifPresent(r -> runs.add(new RoutineRun(r, Optional.ofNullable(measured.remove(r.routine())))));
    }

    synchronized List<RoutineRun> runs() {
        return List.copyOf(runs);
    }

    synchronized List<String> problems() {
        return List.copyOf(problems);
    }
}
