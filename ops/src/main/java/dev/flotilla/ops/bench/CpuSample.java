package dev.flotilla.ops.bench;

/**
 * CPU time of one peer at one instant, in nanoseconds, split the way the devices benchmark compares it:
 * the device's own thread(s), the vCPU thread(s) (which, on this host, run the guest under KVM's
 * instruction emulator, so they dominate), and the whole process.
 *
 * <ul>
 *   <li>Flotilla: the device's worker thread ({@code virtio-<vm>-<kind>-<id>}), the VM's vCPU thread
 *       ({@code vcpu-<vm>-0}), both through ThreadMXBean; the whole JVM through the
 *       OperatingSystemMXBean (CLOCK_PROCESS_CPUTIME_ID).</li>
 *   <li>QEMU: from /proc/&lt;pid&gt;/task/*: the {@code CPU n/KVM} threads are the vCPUs; every other
 *       thread (main loop, block-layer workers, RCU) is the device side.</li>
 * </ul>
 * The two waits are the time those threads spent runnable but waiting for a CPU (the run-queue delay,
 * schedstat's second field): on a loaded host, latency that is nobody's CPU time.
 */
record CpuSample(long deviceNanos, long vcpuNanos, long processNanos, long deviceWaitNanos, long vcpuWaitNanos) {

    /** CPU times only, no run-queue delays. */
    CpuSample(long deviceNanos, long vcpuNanos, long processNanos) {
        this(deviceNanos, vcpuNanos, processNanos, 0, 0);
    }

    CpuSample minus(CpuSample earlier) {
        return new CpuSample(deviceNanos - earlier.deviceNanos, vcpuNanos - earlier.vcpuNanos,
                processNanos - earlier.processNanos, deviceWaitNanos - earlier.deviceWaitNanos,
                vcpuWaitNanos - earlier.vcpuWaitNanos);
    }

    /** The process less its vCPU threads: the VMM's own work, including what is not the device thread. */
    long processMinusVcpuNanos() {
        return processNanos - vcpuNanos;
    }
}
