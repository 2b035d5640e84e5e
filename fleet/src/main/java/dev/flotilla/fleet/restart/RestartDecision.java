package dev.flotilla.fleet.restart;

import java.time.Duration;

/** What the fleet does with a VM that has just ended. */
public sealed interface RestartDecision {

    /** The policy does not restart this end: the VM stays ended and no longer should run. */
    record Stay(String why) implements RestartDecision {}

    /**
     * Boot it again after {@code delay}.
     *
     * @param quickRestarts how many quick restarts in a row this one makes (the crash-loop counter)
     */
    record RestartAfter(Duration delay, int quickRestarts) implements RestartDecision {}

    /** It has crash-looped past the cap: stop trying. */
    record GiveUp(String why) implements RestartDecision {}
}
