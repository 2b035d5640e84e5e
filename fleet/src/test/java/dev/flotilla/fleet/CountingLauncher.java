package dev.flotilla.fleet;

import akka.actor.typed.Behavior;
import dev.flotilla.fleet.host.VmLauncher;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.config.VmSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the VMs a real launcher makes, per id: how the ITs see duplicates. */
final class CountingLauncher implements VmLauncher {

    private final VmLauncher real;
    final Map<String, AtomicInteger> spawned = new ConcurrentHashMap<>();

    CountingLauncher(VmLauncher real) {
        this.real = real;
    }

    int spawnCount(String id) {
        AtomicInteger n = spawned.get(id);
        return n == null ? 0 : n.get();
    }

    @Override
    public Behavior<MicroVm.Command> microVm(VmSpec spec) {
        spawned.computeIfAbsent(spec.id(), k -> new AtomicInteger()).incrementAndGet();
        return real.microVm(spec);
    }

    @Override
    public String kvmFlavour() {
        return real.kvmFlavour();
    }
}
