package dev.flotilla.fleet;

import java.time.Instant;

/** A change of one VM's state, for the event stream (SSE) and dashboards. */
public record VmEvent(long sequence, Instant at, VmView vm) {}
