package dev.flotilla.ops.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.pattern.StatusReply;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmInfo;

/**
 * Parent of one benchmark {@link MicroVm}: starts it at once (the burst sends every Start without
 * waiting for any), completes the {@link FlotillaVm}'s end future when the VM reports its end, and then
 * stops, taking the finished MicroVm actor with it.
 */
final class BenchVm {

    sealed interface Command permits Info, StartReply, StopGuest {}
    private record Info(VmInfo info) implements Command {}
    private record StartReply(StatusReply<VmInfo> reply) implements Command {}
    /** Ends a holding guest. */
    record StopGuest() implements Command {}

    private BenchVm() {}

    static Behavior<Command> create(FlotillaVm handle, Behavior<MicroVm.Command> microVm) {
        return Behaviors.setup(ctx -> {
            ActorRef<MicroVm.Command> vm = ctx.spawn(microVm, "vm");
            ActorRef<StatusReply<VmInfo>> replies = ctx.messageAdapter(statusReplyClass(), StartReply::new);
            vm.tell(new MicroVm.Subscribe(ctx.messageAdapter(VmInfo.class, Info::new)));
            vm.tell(new MicroVm.Start(replies));
            return Behaviors.receive(Command.class)
                    .onMessage(Info.class, m -> {
                        if (!m.info().ended()) return Behaviors.same();
                        handle.ended.complete(m.info());
                        return Behaviors.stopped();
                    })
                    .onMessage(StartReply.class, m -> Behaviors.same())   // the end arrives as an Info
                    .onMessage(StopGuest.class, m -> {
                        vm.tell(new MicroVm.Stop(EndReason.of(EndReason.Kind.STOPPED, "benchmark"), replies));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    @SuppressWarnings("unchecked")
    private static Class<StatusReply<VmInfo>> statusReplyClass() {
        return (Class<StatusReply<VmInfo>>) (Class<?>) StatusReply.class;
    }
}
