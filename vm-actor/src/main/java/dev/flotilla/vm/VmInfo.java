package dev.flotilla.vm;

/**
 * A snapshot of one microVM, as the API and dashboards see it. {@code bootMs} is the time from the start
 * request to the guest's boot-timer write, or -1 until the guest writes it.
 */
public record VmInfo(String id, VmState state, EndReason endReason, double bootMs, int vcpus, long memMib,
                     String bootSummary) {

    public boolean ended() {
        return state.terminal();
    }
}
