package dev.flotilla.fleet.host;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How much of a host's RAM its agent offers for guests ({@code flotilla.fleet.host-memory} in the fleet
 * module's reference.conf): MemTotal minus a reserve for the host's own processes, minus the daemon JVM's
 * maximum heap, times the memory over-commit; each VM is then charged its guest RAM plus a VMM overhead.
 *
 * @param reserveMib       kept for the host (kernel, page cache, other daemons); never offered to guests
 * @param reserveJvmHeap   whether the daemon JVM's maximum heap ({@code -Xmx}) is reserved as well
 * @param vmOverheadMib    charged per VM on top of its guest RAM: KVM's and the VMM's own memory per VM
 * @param pressureInterval how often the agent reads /proc/meminfo and /proc/pressure/memory for GET /hosts
 */
public record HostMemorySettings(long reserveMib, boolean reserveJvmHeap, long vmOverheadMib, Duration pressureInterval) {

    /** Nothing reserved, no overhead charged: capacity is exactly MemTotal × over-commit (tests, fake hosts). */
    public static final HostMemorySettings NONE = new HostMemorySettings(0, false, 0, Duration.ofSeconds(5));

    public HostMemorySettings {
        if (reserveMib < 0) throw new IllegalArgumentException("flotilla.fleet.host-memory.reserve cannot be negative");
        if (vmOverheadMib < 0) {
            throw new IllegalArgumentException("flotilla.fleet.host-memory.vm-overhead cannot be negative");
        }
        if (pressureInterval.isNegative() || pressureInterval.isZero()) {
            throw new IllegalArgumentException("flotilla.fleet.host-memory.pressure-interval must be > 0");
        }
    }

    /** Reads {@code flotilla.fleet.host-memory} (sizes such as "1GiB"). */
    public static HostMemorySettings fromConfig(Config config) {
        Config c = config.getConfig("flotilla.fleet.host-memory");
        return new HostMemorySettings(c.getBytes("reserve") >> 20, c.getBoolean("reserve-jvm-heap"),
                c.getBytes("vm-overhead") >> 20, c.getDuration("pressure-interval"));
    }

    /** The MiB reserved on a host whose daemon JVM may grow its heap to {@code jvmMaxHeapMib}. */
    public long reservedMib(long jvmMaxHeapMib) {
        return reserveMib + (reserveJvmHeap ? jvmMaxHeapMib : 0);
    }
}
