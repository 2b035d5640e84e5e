package dev.flotilla.fleet.store;

import dev.flotilla.fleet.VmDefinition;

/**
 * One row of desired state: what the user asked for, whether it should be running, and whether it was
 * ever started (Firecracker's pre-/post-boot rules still apply to a VM that ended before a restart). A VM
 * that should run is booted afresh from its definition when the fleet starts.
 */
public record StoredVm(VmDefinition definition, boolean shouldRun, boolean started) {}
