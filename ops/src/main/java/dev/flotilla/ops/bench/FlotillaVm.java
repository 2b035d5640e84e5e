package dev.flotilla.ops.bench;

import akka.actor.typed.ActorRef;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.VmResources;
import dev.flotilla.vm.console.ConsoleSink;
import java.util.concurrent.CompletableFuture;

/**
 * One benchmark microVM in this JVM and the instants ({@link System#nanoTime()}) the benchmark takes
 * from outside: the launch request, the builder's start and end (on the blocking dispatcher), the
 * guest's boot-timer write and its probe line (both on the vCPU thread). Thread-safe: written by
 * the actor, dispatcher and vCPU threads, read by the benchmark thread through the futures.
 */
public final class FlotillaVm {

    final String id;
    final long requestNanos;
    final ConsoleSink console;
    volatile long buildStartNanos;
    volatile long buildEndNanos;
    final CompletableFuture<Long> bootTimer = new CompletableFuture<>();
    final CompletableFuture<Long> probeLine = new CompletableFuture<>();
    final CompletableFuture<Long> holding = new CompletableFuture<>();
    final CompletableFuture<VmResources> resources = new CompletableFuture<>();
    final CompletableFuture<VmInfo> ended = new CompletableFuture<>();
    volatile ActorRef<BenchVm.Command> actor;

    FlotillaVm(String id, long requestNanos, ConsoleSink console) {
        this.id = id;
        this.requestNanos = requestNanos;
        this.console = console;
        console.addLineListener(line -> {
            if (line.startsWith(ProbeLines.READY)) probeLine.complete(System.nanoTime());
            else if (line.startsWith(ProbeLines.HOLDING)) holding.complete(System.nanoTime());
        });
    }

    public String id() {
        return id;
    }

    /** Milliseconds from the launch request to {@code nanos}. */
    double sinceRequestMs(long nanos) {
        return (nanos - requestNanos) / 1e6;
    }

    /** True if the guest wrote the boot timer and then reset by itself (the probe's default ending). */
    boolean bootedAndReset() {
        VmInfo end = ended.getNow(null);
        return bootTimer.isDone() && end != null && end.endReason() != null
                && end.endReason().kind() == EndReason.Kind.RESET;
    }

    /** Why this VM did not boot cleanly, for the failure list. */
    String failure() {
        VmInfo end = ended.getNow(null);
        if (end == null) return id + ": no end within the deadline (boot timer " + (bootTimer.isDone() ? "written" : "not written") + ")";
        return id + ": ended " + end.endReason() + (bootTimer.isDone() ? "" : " before the boot-timer write")
                + "; console tail: " + console.tail(200).replace('\n', '|');
    }
}
