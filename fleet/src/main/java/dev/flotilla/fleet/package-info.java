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
 *       {@link dev.flotilla.fleet.store.DesiredStateStore}; a create or start is acted on (and acknowledged)
 *       only once durable. At start-up every VM that should run is booted afresh, exactly once.</li>
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
