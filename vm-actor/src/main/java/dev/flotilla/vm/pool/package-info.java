/**
 * The warm pool: KVM VMs pre-created off the request path so that building a microVM skips the steps
 * that wait in the kernel.
 * <p>Why: measured on this host (docs/benchmarks.md), a VM build takes about 9 ms of which
 * KVM_SET_USER_MEMORY_REGION waits 4-7 ms (0.2 ms on CPU: an SRCU grace period) and
 * KVM_CREATE_IRQCHIP / KVM_CREATE_PIT2 have multi-millisecond tails. None of those depend on the guest.
 * A {@link dev.flotilla.vm.pool.BareVm} is exactly that guest-independent part: fresh RAM mapped and
 * registered, VM fd, TSS and identity map, irqchip, PIT. {@link dev.flotilla.vm.pool.VmPool} keeps a
 * configured number of them ready per {@link dev.flotilla.vm.pool.VmShape} (guest RAM size: the only
 * thing that must match); {@code VmBuilder.build(kvm, pool, spec, ...)} takes one if ready and
 * otherwise builds cold, with the same result.
 * <p>Rules:
 * <ul>
 * <li>Used once, never recycled: a pooled VM's RAM is a fresh anonymous mapping no guest has touched, so
 *     no guest data can pass from one VM to the next. The kvmclock is reset at take.</li>
 * <li>Refill on the pool's own platform threads, never an Akka dispatcher: a refill waits in the kernel
 *     for milliseconds. Takes never wait for a refill; an empty pool is a miss and a cold build.</li>
 * <li>Bounded per shape ({@link dev.flotilla.vm.pool.VmPoolConfig}, at most
 *     {@value dev.flotilla.vm.pool.VmPoolConfig#MAX_TARGET}); target 0 turns a shape off.</li>
 * <li>Host short of memory: pooled RAM is MAP_NORESERVE and untouched, so a ready VM costs address
 *     space, a VM fd, a PIT kernel thread and a little kernel memory, not RSS (measured in
 *     {@code VmPoolIT}). Under strict overcommit (vm.overcommit_memory=2) the kernel ignores
 *     MAP_NORESERVE and each ready VM charges its full size to the commit limit: size targets for that.
 *     A failed refill (ENOMEM, EMFILE, KVM refusing) is counted, logged at powers of two, and retried
 *     with exponential backoff from 50 ms; VMs are built cold meanwhile.</li>
 * <li>{@link dev.flotilla.vm.pool.VmPool#close()} stops the refill threads, waits for a build in
 *     progress and releases every VM still pooled; close it before the {@code Kvm}.</li>
 * </ul>
 * <p>Metrics: {@link dev.flotilla.vm.pool.VmPoolStats} (hits, misses, unserved shapes, built, failures,
 * discarded, ready per shape, refill time median/p95/max).
 */
package dev.flotilla.vm.pool;
