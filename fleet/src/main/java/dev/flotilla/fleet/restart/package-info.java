/**
 * Restart policy decisions (never / on-failure / always), as pure functions so each rule is unit-tested:
 * which ends restart, the exponential backoff between restarts, and the cap on quick restarts in a row
 * that keeps a crash-looping guest from spinning the host. The fleet actor schedules the restart with a
 * timer and counts it in {@code VmView.restarts}.
 */
package dev.flotilla.fleet.restart;
