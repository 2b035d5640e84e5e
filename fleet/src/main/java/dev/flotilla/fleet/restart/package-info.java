/**
 * Restart policy decisions (never / on-failure / always), as pure functions so each rule is unit-tested:
 * which ends restart, the exponential backoff between restarts, and the cap on quick restarts in a row
 * that keeps a crash-looping guest from spinning the host. The fleet actor schedules the restart with a
 * timer and counts it in {@code VmView.restarts} (persisted with each start, so the count survives a restart of
 * the daemon); a give-up's reason is persisted too and shown as the VM's end reason.
 */
package dev.flotilla.fleet.restart;
