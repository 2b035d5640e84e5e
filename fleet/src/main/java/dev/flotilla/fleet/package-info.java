/**
 * The fleet: what turns single microVMs into a managed fleet. {@link dev.flotilla.fleet.Fleet} is one actor
 * (a Cluster Singleton once multi-host) that takes {@link dev.flotilla.fleet.FleetProtocol} commands:
 *
 * <ul>
 *   <li><b>Admission.</b> CreateVm and InstanceStart take a token from a bucket (rate and burst from
 *       {@link dev.flotilla.fleet.FleetSettings}); without one the answer is RATE_LIMITED with a Retry-After
 *       at once — never a queue, never silence.</li>
 *   <li><b>Placement.</b> Over the hosts that joined (HostAgents), by free vCPUs and memory with over-commit,
 *       bin-pack or spread; nothing fits → NO_CAPACITY (HTTP 507), naming the host limit hit and the key
 *       that raises it. A placed VM reserves its RAM plus the host's per-VM overhead until its run ends.
 *       Each host's memory pressure, as its agent last read it, is kept for GET /hosts.</li>
 *   <li><b>Desired state.</b> Every definition and whether it should run is written to the
 *       {@link dev.flotilla.fleet.store.DesiredStateStore}, with its creation time, restart count and failure
 *       reason; a create or start is acted on (and acknowledged) only once durable. At start-up every VM that
 *       should run is booted afresh, exactly once.</li>
 *   <li><b>Idempotent creation, honest answers.</b> A CreateVm repeating an earlier creation (same id, or
 *       same Idempotency-Key, and the same definition — {@code CreationRequests}, remembered in the store) is
 *       answered with that VM; the same id or key with another definition is a CONFLICT. A create or
 *       InstanceStart is answered when the VM runs or, after {@code answer-start-within} (below the API's ask
 *       timeout), with the VM still STARTING: durable VMs are never answered with an error for being slow.</li>
 *   <li><b>Crash-safe starts.</b> Every start is counted in the store before the host is told to start it,
 *       and the count is cleared when the start settles (the VM runs, or ends with the daemon still up). A
 *       daemon that dies during a start (kill -9, the OOM killer, a crash in the build) leaves the count; at
 *       recovery a VM with {@code max-interrupted-starts} of them in a row is recorded FAILED with the reason,
 *       not started again, so a VM whose start takes the daemon down cannot crash-loop the whole host.</li>
 *   <li><b>One change in flight per VM.</b> Configuration changes of a VM are serialised: the next waits
 *       (bounded queue) until the previous is answered, so each is built on the last and what is stored is
 *       what runs.</li>
 *   <li><b>Firecracker's boot boundary.</b> Before InstanceStart any configuration change is taken;
 *       after it only {@code allowedAfterBoot()} changes (recorded in the definition; the live device update
 *       belongs to the devices work), others get "The requested operation is not supported after starting
 *       the microVM."; runtime actions before the start get "... before starting the microVM.".</li>
 *   <li><b>Registry and events.</b> Each VM's state comes from its MicroVm's subscription through its
 *       HostAgent, tagged with a run number so reports of an earlier run are ignored; every change goes to
 *       subscribers (watched, dropped when they stop).</li>
 *   <li><b>Restart policy.</b> When a run ends: never / on-failure (FAILED ends only) / always, with
 *       exponential backoff and a cap on quick restarts in a row; a VM the policy leaves ended is recorded
 *       as no longer to run.</li>
 * </ul>
 *
 * <p>The actor's code: {@code Fleet} itself admits, places, starts and follows the hosts' reports; it hands
 * configuration changes to {@code VmReconfiguration}, runtime actions and balloon statistics to
 * {@code VmActions}, DELETE to {@code VmDeletion}, ended runs of VMs that should run to {@code VmRestarts},
 * and subscribers to {@code FleetEvents}. These collaborators work on the actor's state (the
 * {@code VmRegistry}) from the actor's thread only; none has a thread or a lock of its own.
 *
 * <p>The fleet actor never blocks: store I/O runs on the store's writer thread, VM building on the VM
 * blocking dispatcher, and results come back as messages (pipeToSelf, askWithStatus).
 */
package dev.flotilla.fleet;
