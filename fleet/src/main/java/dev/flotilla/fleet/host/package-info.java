/**
 * The per-host side of the fleet. A {@link dev.flotilla.fleet.host.HostAgent} offers its capacity (cores
 * and MemTotal × over-commit) by telling the fleet {@code HostJoined}, runs the microVMs placed on it as
 * child MicroVm actors built by a {@link dev.flotilla.fleet.host.VmLauncher} over the JVM's single Kvm,
 * and reports every VM state change as {@code VmChanged}. The fleet addresses an agent only by its
 * ActorRef and host name, so moving agents onto other nodes is Akka Cluster's job, not new code here.
 *
 * <p>Failures stay per VM: a VM that cannot be built or booted, or whose actor dies, is reported FAILED
 * with the reason; the agent itself never throws for one VM.
 */
package dev.flotilla.fleet.host;
