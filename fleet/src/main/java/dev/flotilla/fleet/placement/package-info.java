/**
 * Placement: which host runs a new VM. Pure functions over {@link dev.flotilla.fleet.placement.HostLoad}
 * snapshots, so every rule is unit-tested without actors. Capacity is the host's cores and RAM budget
 * (MemTotal less its reserve) times the {@link dev.flotilla.fleet.placement.OverCommit} ratios (defaults:
 * cpu 128, because idle vCPUs cost no CPU; memory 1, because over-committed guest RAM ends in the host's
 * OOM killer); allocation is the sum of the vCPUs and memory (RAM plus the host's per-VM overhead) of the
 * VMs placed there and not yet ended (reserved from placement on, so a burst cannot
 * over-fill a host while its VMs are still booting). Strategies: bin-pack or spread.
 */
package dev.flotilla.fleet.placement;
