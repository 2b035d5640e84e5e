package dev.flotilla.fleet.store;

import dev.flotilla.fleet.VmDefinition;
import java.time.Instant;
import java.util.Optional;

/**
 * One row of desired state: what the user asked for, whether it should be running, and whether it was
 * ever started (Firecracker's pre-/post-boot rules still apply to a VM that ended before a restart). A VM
 * that should run is booted afresh from its definition when the fleet starts.
 *
 * @param createdAt         when the VM was first created or configured (milliseconds)
 * @param restarts          how many times the restart policy has booted it again
 * @param interruptedStarts starts begun but never settled (the VM neither ran nor failed): each one is a
 *                          daemon that died while building or booting this VM
 * @param failure           why the fleet stopped running it (restart cap, starts that crashed the daemon)
 * @param creation          the POST /vms that created it, for idempotent repeats
 */
public record StoredVm(VmDefinition definition, boolean shouldRun, boolean started, Instant createdAt, int restarts,
                       int interruptedStarts, Optional<String> failure, Optional<Creation> creation) {

    /**
     * A creation request as remembered for its repeats.
     *
     * @param fingerprint    of the requested definition (id aside), see {@code VmDefinition#fingerprint}
     * @param idempotencyKey the client's Idempotency-Key header, if it sent one
     */
    public record Creation(String fingerprint, Optional<String> idempotencyKey) {}
}
