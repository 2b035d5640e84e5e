package dev.flotilla.vm.devices;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.pattern.StatusReply;
import dev.flotilla.vm.AttachedDevice;
import dev.flotilla.vm.config.InvalidConfigException;
import java.util.Map;

/**
 * The control plane of one virtio device, a child of its MicroVm: applies live updates (PATCH), answers
 * metrics, and reports data-path failures (which never stop the VM: the device asks the driver for a
 * reset, the failure is logged and counted). The data path stays on the device's worker thread.
 */
public final class VirtioDeviceActor {

    public sealed interface Command permits Update, GetMetrics, DataPathFailed {}

    public record Update(DeviceUpdate update, ActorRef<StatusReply<Done>> replyTo) implements Command {}

    public record GetMetrics(ActorRef<DeviceMetrics> replyTo) implements Command {}

    private record DataPathFailed(Throwable cause) implements Command {}

    /** One device's counters at one moment. */
    public record DeviceMetrics(String id, String kind, Map<String, Long> counters) {}

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(VirtioDeviceActor.class);

    private VirtioDeviceActor() {}

    public static Behavior<Command> create(String vmId, AttachedDevice device) {
        return Behaviors.setup(ctx -> {
            ActorRef<Command> self = ctx.getSelf();
            device.device().onFailure((name, t) -> self.tell(new DataPathFailed(t)));
            long[] failures = {0};
            return Behaviors.receive(Command.class)
                    .onMessage(Update.class, m -> {
                        if (!(device.device() instanceof LiveDevice live)) {
                            m.replyTo().tell(StatusReply.error(device.kind() + " '" + device.id()
                                    + "' cannot be changed after boot"));
                            return Behaviors.same();
                        }
                        try {
                            String what = m.update().getClass().getSimpleName();
                            live.apply(m.update()).whenComplete((ok, err) -> {
                                if (err == null) {
                                    // completes off the actor's thread: the class logger, not the context's
                                    log.atInfo().addKeyValue("vm", vmId).addKeyValue("device", device.id())
                                            .log("applied {} to {}", what, device.id());
                                    m.replyTo().tell(StatusReply.ack());
                                } else {
                                    Throwable c = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                                            ? err.getCause() : err;
                                    m.replyTo().tell(StatusReply.error(new InvalidConfigException(device.kind(),
                                            "could not update " + device.kind() + " '" + device.id() + "': " + c.getMessage())));
                                }
                            });
                        } catch (InvalidConfigException e) {
                            m.replyTo().tell(StatusReply.error(e));
                        } catch (RuntimeException e) {
                            m.replyTo().tell(StatusReply.error(new InvalidConfigException(device.kind(),
                                    "could not update " + device.kind() + " '" + device.id() + "': " + e.getMessage())));
                        }
                        return Behaviors.same();
                    })
                    .onMessage(GetMetrics.class, m -> {
                        Map<String, Long> counters = new java.util.TreeMap<>();
                        if (device.device() instanceof LiveDevice live) counters.putAll(live.counters());
                        counters.put("data_path_failures", failures[0]);
                        counters.put("malformed_chains", malformed(device));
                        m.replyTo().tell(new DeviceMetrics(device.id(), device.kind(), counters));
                        return Behaviors.same();
                    })
                    .onMessage(DataPathFailed.class, m -> {
                        failures[0]++;
                        ctx.getLog().atWarn().addKeyValue("vm", vmId).addKeyValue("device", device.id())
                                .log("{} '{}' data path failed (the device asked the driver for a reset): {}",
                                        device.kind(), device.id(), m.cause().toString());
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static long malformed(AttachedDevice d) {
        long n = 0;
        for (int q = 0; q < d.device().queueCount(); q++) n += d.transport().queueMetrics(q).malformedTotal();
        return n;
    }
}
