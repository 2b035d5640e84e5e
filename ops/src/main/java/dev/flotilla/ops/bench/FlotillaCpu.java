package dev.flotilla.ops.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.function.Supplier;

/**
 * Flotilla's {@link CpuSample} for one VM in this JVM: the device worker thread and the vCPU thread
 * found by name (a worker is a new thread each time the guest activates the device, so the name is
 * looked up at every reading), and the whole process's CPU time; and the run-queue delays of the two
 * threads.
 */
final class FlotillaCpu implements Supplier<CpuSample> {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final String deviceThread;
    private final String vcpuThread;

    /**
     * @param deviceThread the worker's name, {@code virtio-<vm>-<kind>-<id>} (VirtioAttacher)
     * @param vcpuThread   {@code vcpu-<vm>-0} (VcpuLoop)
     */
    FlotillaCpu(String deviceThread, String vcpuThread) {
        this.deviceThread = deviceThread;
        this.vcpuThread = vcpuThread;
    }

    static FlotillaCpu of(String vmId, String deviceKindAndId) {
        return new FlotillaCpu("virtio-" + vmId + "-" + deviceKindAndId, "vcpu-" + vmId + "-0");
    }

    /**
     * CPU times through ThreadMXBean; run-queue delays from /proc/self/task by the threads' names as
     * Linux keeps them (their first 15 bytes, e.g. {@code virtio-bench-3-}: unambiguous because the
     * benchmark runs one VM at a time). A thread whose name matches no task counts 0 wait.
     */
    @Override
    public CpuSample get() {
        long deviceWait = 0, vcpuWait = 0;
        for (TaskCpu t : TaskCpu.read(ProcessHandle.current().pid())) {
            if (t.isNamed(deviceThread)) deviceWait += t.waitNanos();
            else if (t.isNamed(vcpuThread)) vcpuWait += t.waitNanos();
        }
        return new CpuSample(threadCpu(deviceThread), threadCpu(vcpuThread), OS.getProcessCpuTime(), deviceWait, vcpuWait);
    }

    static long threadCpu(String name) {
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && t.getThreadName().equals(name)) {
                long ns = THREADS.getThreadCpuTime(t.getThreadId());
                if (ns >= 0) return ns;
            }
        }
        throw new IllegalStateException("no live thread named " + name + " in this JVM");
    }
}
