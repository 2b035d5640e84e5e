/**
 * Placement: which host runs a new VM. Pure functions over {@link dev.flotilla.fleet.placement.HostLoad}
 * snapshots, so every rule is unit-tested without actors. Capacity is the host's cores and RAM times
 * the {@link dev.flotilla.fleet.placement.OverCommit} ratios; allocation is the sum of the vCPUs and
 * memory of the VMs placed there and not yet ended (reserved from placement on, so a burst cannot
 * over-fill a host while its VMs are still booting). Strategies: bin-pack or spread.
 */
package dev.flotilla.fleet.placement;
