/**
 * The per-host side of the fleet. A {@link dev.flotilla.fleet.host.HostAgent} offers its capacity by telling
 * the fleet {@code HostJoined}: a {@link dev.flotilla.fleet.host.HostCapacity} of cores × cpu over-commit and
 * (MemTotal − reserve − the JVM's maximum heap) × memory over-commit, with a per-VM overhead charged on top
 * of each VM's RAM ({@link dev.flotilla.fleet.host.HostMemorySettings}). Memory over-commit defaults to 1:
 * guest RAM is mapped MAP_NORESERVE and touched lazily, so promising more than the host has ends, when the
 * guests use it, with the host's OOM killer taking the one JVM that holds every VM. Every pressure-interval
 * the agent reads {@link dev.flotilla.fleet.host.MemoryPressure} (MemAvailable, PSI some/full avg10) and
 * tells the fleet {@code HostMemory}, for GET /hosts and the metrics. It runs the microVMs placed on it as
 * child MicroVm actors built by a {@link dev.flotilla.fleet.host.VmLauncher} over the JVM's single Kvm,
 * and reports every VM state change as {@code VmChanged}. The fleet addresses an agent only by its
 * ActorRef and host name, so moving agents onto other nodes is Akka Cluster's job, not new code here.
 *
 * <p>Failures stay per VM: a VM that cannot be built or booted, or whose actor dies, is reported FAILED
 * with the reason; the agent itself never throws for one VM.
 */
package dev.flotilla.fleet.host;
