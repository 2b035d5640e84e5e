package dev.flotilla.vm.vcpu;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.flotilla.vm.EndReason;

/**
 * The control plane of one vCPU: a child of its {@code MicroVm}. It owns the {@link VcpuRunner} (the
 * {@link VcpuLoop} and its platform thread), turns Pause/Resume/Stop into requests on it, and reports what
 * it observed (paused, resumed, guest ended the VM, exited) to its parent, in order, one report per
 * answer of the runner. It answers in Firecracker's vCPU event vocabulary: Paused, Resumed, Exited.
 */
public final class Vcpu extends AbstractBehavior<Vcpu.Command> {

    public sealed interface Command permits Pause, Resume, Stop, LoopPaused, LoopResumed, LoopEnded, LoopExited {}

    public record Pause() implements Command {}
    public record Resume() implements Command {}
    public record Stop() implements Command {}

    private record LoopPaused() implements Command {}
    private record LoopResumed() implements Command {}
    private record LoopEnded(EndReason reason) implements Command {}
    private record LoopExited() implements Command {}

    /** What a vCPU tells its MicroVm. */
    public sealed interface Report permits Paused, Resumed, GuestEnded, Exited {
        int index();
    }
    public record Paused(int index) implements Report {}
    public record Resumed(int index) implements Report {}
    public record GuestEnded(int index, EndReason reason) implements Report {}
    public record Exited(int index) implements Report {}

    private final int index;
    private final VcpuRunner loop;
    private final ActorRef<Report> parent;
    private boolean exited;

    /** @param loopFactory builds the loop around the events sink this actor provides */
    public static Behavior<Command> create(int index, java.util.function.Function<VcpuEvents, VcpuRunner> loopFactory,
                                           ActorRef<Report> parent) {
        return Behaviors.setup(ctx -> new Vcpu(ctx, index, loopFactory, parent));
    }

    private Vcpu(ActorContext<Command> ctx, int index, java.util.function.Function<VcpuEvents, VcpuRunner> loopFactory,
                 ActorRef<Report> parent) {
        super(ctx);
        this.index = index;
        this.parent = parent;
        ActorRef<Command> self = ctx.getSelf();
        this.loop = loopFactory.apply(new VcpuEvents() {
            @Override public void paused(int i) { self.tell(new LoopPaused()); }
            @Override public void resumed(int i) { self.tell(new LoopResumed()); }
            @Override public void guestEnded(int i, EndReason reason) { self.tell(new LoopEnded(reason)); }
            @Override public void exited(int i) { self.tell(new LoopExited()); }
        });
        loop.start();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Pause.class, m -> { loop.requestPause(); return this; })
                .onMessage(Resume.class, m -> { loop.requestResume(); return this; })
                .onMessage(Stop.class, m -> { loop.requestStop(); return this; })
                .onMessage(LoopPaused.class, m -> { parent.tell(new Paused(index)); return this; })
                .onMessage(LoopResumed.class, m -> { parent.tell(new Resumed(index)); return this; })
                .onMessage(LoopEnded.class, m -> { parent.tell(new GuestEnded(index, m.reason())); return this; })
                .onMessage(LoopExited.class, this::onExited)
                .onSignal(PostStop.class, s -> { if (!exited) loop.requestStop(); return this; })
                .build();
    }

    private Behavior<Command> onExited(LoopExited m) {
        exited = true;
        parent.tell(new Exited(index));
        return Behaviors.stopped();
    }
}
