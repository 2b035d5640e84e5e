package dev.flotilla.fleet;

import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.VmState;
import java.time.Instant;
import java.util.Optional;

/**
 * One VM as the fleet knows it: its definition, where it runs and its live state.
 *
 * @param bootMs   start request to the guest's boot-timer write of the current run; -1 until then
 * @param restarts how many times the restart policy has booted it again
 */
public record VmView(VmDefinition definition, VmState state, Optional<EndReason> endReason, Optional<String> host,
                     double bootMs, int restarts, Instant createdAt) {

    public String id() {
        return definition.id();
    }
}
