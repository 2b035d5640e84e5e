package dev.flotilla.ops.bench;

import java.util.Optional;

/**
 * One peer's run of one workload: requests completed, bytes moved, over how long, and the CPU its
 * process used meanwhile.
 *
 * @param requests the guest's count (block reads; for net, echo replies the host received)
 * @param bytes    data bytes read (block); 0 for net
 * @param micros   elapsed: the guest's kvmclock from its first request to its last completion (block),
 *                 or the host's clock around the ping run (net)
 * @param frames   frames through the device (net: one request and one reply per echo); 0 for block
 * @param cpu      the peer's CPU between the start and end of the requests, if it could be read
 */
record DeviceSample(Workload workload, long requests, long bytes, long frames, long micros, Optional<CpuSample> cpu) {

    DeviceSample {
        if (requests < 0 || bytes < 0 || frames < 0 || micros <= 0) {
            throw new IllegalArgumentException(workload + ": requests " + requests + ", bytes " + bytes + ", frames "
                    + frames + " over " + micros + " µs is not a measurement");
        }
    }

    /**
     * A block routine's sample from its result line: {@code reads=} and {@code us=}; the bytes are
     * {@code bytes=} when the line has it (blkseq), else 4 KiB per read (blkrand).
     */
    static DeviceSample ofBlock(Workload w, CueRecorder.RoutineRun run) {
        ProbeResult r = run.result();
        long reads = r.number("reads");
        long bytes = r.fields().containsKey("bytes") ? r.number("bytes") : reads * 4096;
        return new DeviceSample(w, reads, bytes, 0, r.number("us"), run.cpu());
    }

    double requestsPerSecond() {
        return requests * 1e6 / micros;
    }

    /** Decimal megabytes (10^6 bytes) per second. */
    double megabytesPerSecond() {
        return bytes / (double) micros;
    }

    double framesPerSecond() {
        return frames * 1e6 / micros;
    }

    /** Elapsed time per request as the guest (block) or host (net) saw it, one request in flight. */
    double microsPerRequest() {
        return requests == 0 ? Double.NaN : micros / (double) requests;
    }

    Optional<CpuCost> cost() {
        return requests == 0 ? Optional.empty() : cpu.map(c -> CpuCost.of(c, requests));
    }
}
