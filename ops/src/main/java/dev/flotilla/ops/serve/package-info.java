/**
 * {@code flotilla serve}: the daemon. {@link dev.flotilla.ops.serve.FlotillaConfig} layers the configuration
 * (system properties, the user's file, the embedded {@code flotilla.conf}, the modules' reference.conf);
 * {@link dev.flotilla.ops.serve.Daemon} starts Kamon before the ActorSystem (its instruments must exist before
 * anything records), writes its oom_score_adj ({@link dev.flotilla.ops.serve.OomScoreAdjustment}: every VM
 * of the host is in this JVM, so the kernel should pick other processes first), starts the one console
 * file writer (consoles in their own directory, capped, never on a guest's thread), opens the desired-state
 * store in the state directory, spawns the
 * {@link dev.flotilla.ops.serve.DaemonGuardian} (fleet, one local host agent, metrics collector, the API's
 * front) and binds the API server.
 *
 * <p>Stopping. SIGTERM runs {@link dev.flotilla.ops.serve.Daemon#close}: unbind the API, stop the fleet actor
 * first (so no VM ending from here on is recorded as "no longer to run"), then the host agent, whose MicroVm
 * children stop their vCPUs and release guest memory and fds, then the rest. The desired state is untouched,
 * so the next start boots the same VMs afresh; after a {@code kill -9} (or the OOM killer's SIGKILL) the store
 * does the same: drives reopened, TAPs re-created under their names with their guest MACs, vsock sockets and
 * metrics and console files taken up again, creation times and restart counts kept (DaemonKillRecoveryIT, on a
 * real daemon); a VM during whose start the daemon died {@code flotilla.fleet.max-interrupted-starts} times in a
 * row stays FAILED with the reason (the fleet's package note). Akka's own JVM shutdown hook is off (flotilla.conf)
 * because it would stop the actors in no particular order.
 *
 * <p>Start-up refuses {@code flotilla.fleet.answer-start-within} at or above {@code flotilla.api.ask-timeout}:
 * the fleet must answer a slow start (202) before the API would give up with a 503.
 *
 * <p>Logs: JSON lines (logback's JsonEncoder, key/values such as vm and boot_ms as fields) on stderr by
 * default for serve; {@code -Dflotilla.log.format=TEXT} for humans.
 */
package dev.flotilla.ops.serve;
