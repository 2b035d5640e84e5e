package dev.flotilla.fleet;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.pattern.StatusReply;
import dev.flotilla.fleet.FleetException.Kind;
import java.util.List;
import java.util.Optional;

/** The fleet's refusals that are shared between handlers, worded for the API user. */
final class FleetRefusals {

    private FleetRefusals() {}

    static FleetException notFound(String id) {
        return new FleetException(Kind.NOT_FOUND, "VM '" + id + "' does not exist: create it with POST /vms, or "
                + "configure it with PUT /vms/" + id + "/boot-source");
    }

    static FleetException exists(VmEntry e) {
        if (e.deleting) {
            return new FleetException(Kind.CONFLICT, "VM '" + e.id() + "' is being deleted: retry once the DELETE has answered");
        }
        return new FleetException(Kind.CONFLICT, "VM '" + e.id() + "' already exists: DELETE /vms/" + e.id()
                + " first, or choose another id");
    }

    static String actionName(FleetProtocol.Action a) {
        return switch (a) {
            case INSTANCE_START -> "InstanceStart";
            case SEND_CTRL_ALT_DEL -> "SendCtrlAltDel";
            case FLUSH_METRICS -> "FlushMetrics";
            case PAUSE -> "Pause";
            case RESUME -> "Resume";
        };
    }

    /** Answers {@code replyTo} with {@code why}; the fleet's behaviour stays as it is. */
    static <T> Behavior<FleetProtocol.Command> refuse(ActorRef<StatusReply<T>> replyTo, FleetException why) {
        replyTo.tell(StatusReply.error(why));
        return Behaviors.same();
    }

    /**
     * Answers any request with {@code why} (or, for queries without an error channel, an empty answer);
     * used when a request cannot even be held (start-up stash full, store unreadable). Never drops one.
     */
    static void refuse(FleetProtocol.Command m, FleetException why) {
        if (m instanceof FleetProtocol.CreateVm c) c.replyTo().tell(StatusReply.error(why));
        else if (m instanceof FleetProtocol.Configure c) c.replyTo().tell(StatusReply.error(why));
        else if (m instanceof FleetProtocol.Act c) c.replyTo().tell(StatusReply.error(why));
        else if (m instanceof FleetProtocol.DeleteVm c) c.replyTo().tell(StatusReply.error(why));
        else if (m instanceof FleetProtocol.GetVm c) c.replyTo().tell(Optional.empty());
        else if (m instanceof FleetProtocol.ListVms c) c.replyTo().tell(new FleetProtocol.VmPage(List.of(), 0, c.offset(), c.limit()));
        else if (m instanceof FleetProtocol.GetHosts c) c.replyTo().tell(List.of());
        // Subscribe/Unsubscribe and host reports carry no reply; a host re-joins when its agent restarts
    }

    /**
     * A PATCH names a device that must exist already (Firecracker refuses a PATCH of an unknown drive,
     * interface or balloon): the reason when it does not, else empty.
     */
    static Optional<FleetException> patchTargetMissing(ConfigChange change, VmDefinition d) {
        String missing = null;
        if (change instanceof ConfigChange.PatchDrive p
                && d.devices().drives().stream().noneMatch(x -> x.driveId().equals(p.drive().driveId()))) {
            missing = "drive '" + p.drive().driveId() + "' does not exist on VM '" + d.id() + "': PATCH changes an "
                    + "existing drive; add drives with PUT /vms/" + d.id() + "/drives/{drive_id} before the start";
        } else if (change instanceof ConfigChange.PatchNetworkInterface p
                && d.devices().networkInterfaces().stream().noneMatch(x -> x.ifaceId().equals(p.iface().ifaceId()))) {
            missing = "network interface '" + p.iface().ifaceId() + "' does not exist on VM '" + d.id() + "': PATCH "
                    + "changes an existing interface; add interfaces with PUT before the start";
        } else if (change instanceof ConfigChange.PatchBalloon && d.devices().balloon().isEmpty()) {
            missing = "VM '" + d.id() + "' has no balloon device: PUT /vms/" + d.id() + "/balloon before the start";
        }
        return Optional.ofNullable(missing).map(m -> new FleetException(FleetException.Kind.INVALID, m));
    }
}
