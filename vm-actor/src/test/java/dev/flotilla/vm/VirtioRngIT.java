package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import dev.flotilla.vm.config.EntropyConfig;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.devices.VirtioDeviceActor;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** virtio-rng (Firecracker's entropy device) with the probe guest's driver, on the real /dev/kvm. */
class VirtioRngIT {

    @RegisterExtension
    static final KvmTestBed bed = new KvmTestBed();

    private static VmDevices entropy(Optional<RateLimiterConfig> limit) {
        return new VmDevices(List.of(), List.of(), Optional.empty(), Optional.of(new EntropyConfig(limit)), Optional.empty());
    }

    @Test
    void guestReadsRandomBytesAndTheDeviceCountsThem() throws Exception {
        ProbeVm vm = ProbeVm.spawn(bed.testKit(), bed.kvm(), "rng-plain", 1, 128, ProbeGuest.elf(),
                "console=ttyS0 probe.run=rng,rng probe.hold", null, entropy(Optional.empty()));
        assertTrue(vm.start().get(20, TimeUnit.SECONDS).isSuccess());
        String done = vm.line("probe: run done").get(30, TimeUnit.SECONDS);
        assertTrue(done.contains("ok=2 fail=0"), () -> done + "\n" + vm.console().snapshot());
        Matcher m = Pattern.compile("probe: run rng ok bytes=64 distinct=(\\d+)").matcher(vm.console().snapshot());
        assertTrue(m.find(), vm.console()::snapshot);
        assertTrue(Integer.parseInt(m.group(1)) > 20, "64 random bytes have many distinct values: " + m.group(1));

        TestProbe<List<VirtioDeviceActor.DeviceMetrics>> metrics = bed.testKit().createTestProbe();
        vm.ref().tell(new MicroVm.GetDeviceMetrics(metrics.getRef()));
        var counters = metrics.receiveMessage(Duration.ofSeconds(5)).get(0).counters();
        assertEquals(128L, counters.get("entropy_bytes"), counters::toString);
        assertEquals(2L, counters.get("entropy_requests"), counters::toString);
        vm.stop().get(20, TimeUnit.SECONDS);
    }

    @Test
    void anOpsLimitHoldsTheGuestToWhatItsBucketAllows() throws Exception {
        // 2 requests per second, 2 available at once
        var limit = new RateLimiterConfig(Optional.empty(), Optional.of(new TokenBucketConfig(2, 0, 1000)));
        String ten = String.join(",", java.util.Collections.nCopies(10, "rng"));
        long before = System.nanoTime();   // before the limiter exists
        ProbeVm vm = ProbeVm.spawn(bed.testKit(), bed.kvm(), "rng-limited", 1, 128, ProbeGuest.elf(),
                "console=ttyS0 probe.run=" + ten + " probe.hold", null, entropy(Optional.of(limit)));
        assertTrue(vm.start().get(20, TimeUnit.SECONDS).isSuccess());
        String done = vm.line("probe: run done").get(90, TimeUnit.SECONDS);
        long elapsed = System.nanoTime() - before;
        assertTrue(done.contains("ok=10 fail=0"), () -> done + "\n" + vm.console().snapshot());
        // The bucket's own accounting: 2 at once, then 2 per second begun. A slow machine only takes longer;
        // no wall-clock pace is asserted.
        long allowed = 2 * (1 + (elapsed + 999_999_999L) / 1_000_000_000L);
        System.out.printf("[rng] 10 requests at 2/s: done %.2f s after the spawn; the bucket allows %d in that time%n",
                elapsed / 1e9, allowed);
        assertTrue(10 <= allowed, "10 requests served in " + elapsed / 1_000_000 + " ms: the bucket allows " + allowed);

        TestProbe<List<VirtioDeviceActor.DeviceMetrics>> metrics = bed.testKit().createTestProbe();
        vm.ref().tell(new MicroVm.GetDeviceMetrics(metrics.getRef()));
        var counters = metrics.receiveMessage(Duration.ofSeconds(5)).get(0).counters();
        assertTrue(counters.get("entropy_rate_limiter_throttled") > 0, counters::toString);
        vm.stop().get(20, TimeUnit.SECONDS);
    }
}
