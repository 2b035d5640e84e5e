package dev.flotilla.vm.pool;

import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.sys.KvmStructs;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A warm pool of {@link BareVm}s per {@link VmShape}, pre-created off the request path by its own
 * platform threads ({@code vm-pool-refill-N}, never an Akka dispatcher) so that a VM build skips the
 * steps that wait in the kernel. Give it to {@code VmBuilder.build(kvm, pool, spec, ...)}.
 * <p>Each pooled VM is handed out once and never recycled: its RAM is a fresh mapping no guest has
 * touched, so nothing of one guest can reach another. The pool refills a shape after each take, up
 * to its target; on a host that is short of memory or fds the refill fails, backs off (up to
 * {@link VmPoolConfig#maxBackoff()}) and VMs are built cold meanwhile.
 * <p>Threading: every method may be called from any thread; {@link #take} never blocks on a build.
 * <p>Lifetime: {@link #close()} before closing the {@link Kvm} it builds with; it returns once every
 * VM still in the pool is released (VMs already taken belong to their builders).
 */
public final class VmPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VmPool.class);
    private static final byte[] CLOCK_ZERO = new byte[KvmStructs.KVM_CLOCK_DATA_SIZE];

    private final WarmPool<BareVm> pool;
    private final VmPoolConfig config;

    private VmPool(Kvm kvm, VmPoolConfig config) {
        this.config = config;
        this.pool = new WarmPool<>(config, shape -> BareVm.create(kvm, shape), "vm-pool-refill", System::nanoTime);
    }

    /** Starts the refill threads (none if {@code config} pools nothing); they begin filling at once. */
    public static VmPool start(Kvm kvm, VmPoolConfig config) {
        return new VmPool(Objects.requireNonNull(kvm), Objects.requireNonNull(config));
    }

    /**
     * A pre-created VM of {@code shape}, now, or empty (none ready: build cold). The VM's kvmclock is
     * set back to 0, as if it had just been created: a guest must not see how long it waited in the pool.
     * If that fails the VM is released and the answer is empty, so the caller builds cold as without a pool.
     */
    public Optional<BareVm> take(VmShape shape) {
        Optional<BareVm> taken = pool.take(shape);
        if (taken.isEmpty()) return taken;
        BareVm bare = taken.get();
        try {
            bare.vm().setClock(CLOCK_ZERO);
            return taken;
        } catch (RuntimeException e) {
            bare.close();
            log.warn("pool: a pre-created {} VM refused KVM_SET_CLOCK, building cold instead: {}", shape, e.toString());
            return Optional.empty();
        }
    }

    /** Waits until every pooled shape is at its target (a service can wait before taking requests). */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return pool.awaitReady(timeout);
    }

    public VmPoolStats stats() {
        return pool.stats();
    }

    public VmPoolConfig config() {
        return config;
    }

    /** Stops refilling and releases every VM still pooled; idempotent. */
    @Override
    public void close() {
        pool.close();
        if (config.enabled()) log.debug("{}", pool.stats().describe());
    }
}
