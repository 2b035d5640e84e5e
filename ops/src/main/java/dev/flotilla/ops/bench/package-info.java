/**
 * {@code flotilla bench boot} and {@code flotilla bench devices}: Flotilla and QEMU microvm running the
 * same probe guest, side by side, in one run and one table.
 *
 * <p>What is measured, and from where:
 * <ul>
 *   <li>Boot time. Flotilla: from the launch request (before the MicroVm actor is even spawned) to the
 *       guest's boot-timer write, taken on the vCPU thread by wrapping the VM's hooks; QEMU has no
 *       boot-timer device, so both peers are also timed to the probe's {@code probe: cpus=} console line
 *       (Flotilla: a ConsoleSink line listener on the vCPU thread; QEMU: a reader of its stdout serial).
 *       Sequential boots alternate Flotilla and QEMU so both see the same background load.</li>
 *   <li>Host memory per VM beyond guest RAM, from /proc: for Flotilla the JVM's RSS growth over K idle
 *       VMs minus their resident guest pages (counted in /proc/self/pagemap over each VM's RAM mappings,
 *       because the kernel may merge adjacent anonymous mappings so smaps cannot isolate them); for
 *       QEMU each process's RSS and PSS minus its guest RAM mapping's.</li>
 *   <li>Burst: B VMs asked for without waiting; VMs/s = booted / time until the last one booted.</li>
 *   <li>Set-up phases: the steps of VmBuilder repeated by direct kvm-native calls with a clock around
 *       each (VmBuilder itself is not instrumented).</li>
 * </ul>
 * Nothing here changes how a VM is built or run: the Flotilla side goes through MicroVm and VmBuilder
 * exactly as {@code flotilla run} does, and QEMU runs the command line of {@code ops/bin/qemu-probe}.
 *
 * <p>{@code flotilla bench devices} ({@link dev.flotilla.ops.bench.DevicesBench}, {@code NetBench}) reuses
 * the same two peers with virtio devices attached (Flotilla: {@code VmDevices} in the VmSpec; QEMU: the
 * same command line with {@code acpi=off}, modern virtio-mmio and {@code -drive}/{@code -netdev tap}):
 * <ul>
 *   <li>Throughput is the guest's own: the probe's benchmark routines time their requests with kvmclock
 *       and print the count ({@link dev.flotilla.ops.bench.ProbeResult}); for net the host's ping counts
 *       the echoes over its own clock.</li>
 *   <li>Host CPU per request: the peer's CPU clocks read at the routine's start and done cue lines
 *       ({@link dev.flotilla.ops.bench.CueRecorder}), or around the ping, and divided by the requests
 *       ({@link dev.flotilla.ops.bench.CpuCost}), split into the device side, the process less its vCPU
 *       threads, and the whole process ({@link dev.flotilla.ops.bench.CpuSample}).</li>
 * </ul>
 *
 * <p>{@code flotilla bench hostile} ({@link dev.flotilla.ops.bench.HostileBench}) has no peer and no VM:
 * it writes hostile rings by hand ({@code HostileRing}) into heap or mmap'd guest memory and measures the
 * thread CPU (ThreadMXBean) and work units (descriptors walked, reads served after a reset, madvise
 * calls) Flotilla's own queue and device code spend on them: its bounds, not a comparison.
 */
package dev.flotilla.ops.bench;
