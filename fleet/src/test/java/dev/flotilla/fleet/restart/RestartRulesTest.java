package dev.flotilla.fleet.restart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.fleet.RestartPolicy;
import dev.flotilla.vm.EndReason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartRulesTest {

    private static final RestartSettings S = new RestartSettings(Duration.ofMillis(100), Duration.ofMillis(1_000), 3,
            Duration.ofSeconds(30));
    private static final EndReason CRASH = EndReason.of(EndReason.Kind.TRIPLE_FAULT, "");
    private static final EndReason RESET = EndReason.of(EndReason.Kind.RESET, "i8042 reset");
    private static final Duration QUICK = Duration.ofSeconds(1);

    @Test
    void neverRestartsNothing() {
        assertInstanceOf(RestartDecision.Stay.class, RestartRules.decide(RestartPolicy.NEVER, CRASH, true, 0, QUICK, S));
    }

    @Test
    void onFailureRestartsFailuresOnly() {
        assertInstanceOf(RestartDecision.RestartAfter.class,
                RestartRules.decide(RestartPolicy.ON_FAILURE, CRASH, true, 0, QUICK, S));
        assertInstanceOf(RestartDecision.Stay.class, RestartRules.decide(RestartPolicy.ON_FAILURE, RESET, false, 0, QUICK, S));
    }

    @Test
    void alwaysRestartsAGuestThatEndedByItself() {
        assertInstanceOf(RestartDecision.RestartAfter.class, RestartRules.decide(RestartPolicy.ALWAYS, RESET, false, 0, QUICK, S));
    }

    @Test
    void aStopOnRequestIsNeverUndone() {
        EndReason stopped = EndReason.of(EndReason.Kind.STOPPED, "deleted");
        assertInstanceOf(RestartDecision.Stay.class, RestartRules.decide(RestartPolicy.ALWAYS, stopped, false, 0, QUICK, S));
    }

    @Test
    void backoffDoublesUpToTheCapThenGivesUp() {
        RestartDecision.RestartAfter first = (RestartDecision.RestartAfter) RestartRules.decide(RestartPolicy.ALWAYS, CRASH, true, 0, QUICK, S);
        RestartDecision.RestartAfter second = (RestartDecision.RestartAfter) RestartRules.decide(RestartPolicy.ALWAYS, CRASH, true, 1, QUICK, S);
        RestartDecision.RestartAfter third = (RestartDecision.RestartAfter) RestartRules.decide(RestartPolicy.ALWAYS, CRASH, true, 2, QUICK, S);
        assertEquals(Duration.ofMillis(100), first.delay());
        assertEquals(Duration.ofMillis(200), second.delay());
        assertEquals(Duration.ofMillis(400), third.delay());
        assertEquals(3, third.quickRestarts());
        RestartDecision fourth = RestartRules.decide(RestartPolicy.ALWAYS, CRASH, true, 3, QUICK, S);
        assertInstanceOf(RestartDecision.GiveUp.class, fourth);
        assertTrue(((RestartDecision.GiveUp) fourth).why().contains("3 quick restarts"));
        assertEquals(Duration.ofMillis(1_000), RestartRules.backoff(10, S));
        assertEquals(Duration.ofMillis(1_000), RestartRules.backoff(200, S));
    }

    @Test
    void aStableRunResetsTheCrashLoopCounter() {
        RestartDecision d = RestartRules.decide(RestartPolicy.ON_FAILURE, CRASH, true, 3, Duration.ofMinutes(5), S);
        RestartDecision.RestartAfter r = assertInstanceOf(RestartDecision.RestartAfter.class, d);
        assertEquals(Duration.ofMillis(100), r.delay());
        assertEquals(1, r.quickRestarts());
    }
}
