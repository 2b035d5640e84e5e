package dev.flotilla.ops.bench;

/**
 * Host CPU per request, in microseconds: a {@link CpuSample} difference over the requests the guest
 * counted between the two readings.
 *
 * @param device            the device thread(s)
 * @param processMinusVcpu  the process less its vCPU threads
 * @param process           the whole process, guest emulation on the vCPU threads included
 * @param deviceWait        run-queue delay of the device thread(s): runnable, not running
 * @param vcpuWait          run-queue delay of the vCPU thread(s)
 */
record CpuCost(double device, double processMinusVcpu, double process, double deviceWait, double vcpuWait) {

    static CpuCost of(CpuSample delta, long requests) {
        if (requests <= 0) throw new IllegalArgumentException("CPU per request needs at least one request, got " + requests);
        return new CpuCost(perRequestUs(delta.deviceNanos(), requests), perRequestUs(delta.processMinusVcpuNanos(), requests),
                perRequestUs(delta.processNanos(), requests), perRequestUs(delta.deviceWaitNanos(), requests),
                perRequestUs(delta.vcpuWaitNanos(), requests));
    }

    static double perRequestUs(long nanos, long requests) {
        return nanos / 1e3 / requests;
    }
}
