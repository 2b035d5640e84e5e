package dev.flotilla.fleet.restart;

import dev.flotilla.fleet.RestartPolicy;
import dev.flotilla.vm.EndReason;
import java.time.Duration;

/**
 * The restart policy applied to an ended VM. A failure is what the VM itself reports as FAILED: a triple
 * fault, an emulation failure, a KVM or VMM error; a guest reset or power-off is a normal end. A stop the
 * user asked for (EndReason STOPPED) is never undone, whatever the policy.
 */
public final class RestartRules {

    private RestartRules() {}

    /**
     * @param quickRestarts restarts in a row so far whose runs were shorter than {@code stableAfter}
     * @param runLength     how long the run that just ended lasted
     */
    public static RestartDecision decide(RestartPolicy policy, EndReason reason, boolean failed,
                                         int quickRestarts, Duration runLength, RestartSettings settings) {
        if (reason.kind() == EndReason.Kind.STOPPED) return new RestartDecision.Stay("stopped on request");
        boolean restart = switch (policy) {
            case NEVER -> false;
            case ON_FAILURE -> failed;
            case ALWAYS -> true;
        };
        if (!restart) {
            return new RestartDecision.Stay("restart policy " + policy.apiName() + " does not restart after " + reason);
        }
        int streak = runLength.compareTo(settings.stableAfter()) >= 0 ? 0 : quickRestarts;
        if (streak >= settings.maxQuickRestarts()) {
            return new RestartDecision.GiveUp("gave up after " + streak + " quick restarts (each run under "
                    + settings.stableAfter().toSeconds() + " s; last end: " + reason + "); fix the guest, then "
                    + "delete and create the VM again");
        }
        return new RestartDecision.RestartAfter(backoff(streak, settings), streak + 1);
    }

    /** min × 2^streak, capped at max. */
    static Duration backoff(int streak, RestartSettings settings) {
        long min = settings.minBackoff().toNanos();
        long max = settings.maxBackoff().toNanos();
        long delay = min;
        for (int i = 0; i < streak && delay < max; i++) delay = delay > max / 2 ? max : delay * 2;
        return Duration.ofNanos(Math.min(delay, max));
    }
}
