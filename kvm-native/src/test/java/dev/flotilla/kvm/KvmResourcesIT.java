package dev.flotilla.kvm;

import dev.flotilla.kvm.memory.MmapGuestMemory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every fd and mapping is given back by close(): no leaks across many VMs. */
class KvmResourcesIT {

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static long mappings() throws IOException {
        try (Stream<String> s = Files.lines(Path.of("/proc/self/maps"))) {
            return s.count();
        }
    }

    @Test
    void twoHundredVmsWithMemoryAndVcpuLeaveNoFdOrMappingBehind() throws IOException {
        RealModeGuest.assumeKvm();
        try (Kvm kvm = Kvm.open()) {
            // warm up class loading and jnr stubs so they do not count as leaks
            new RealModeGuest(kvm, true, new byte[] {(byte) 0xF4}).close();
            long fds = openFds(), maps = mappings();
            for (int i = 0; i < 200; i++) {
                VmFd vm = kvm.createVm();
                MmapGuestMemory mem = MmapGuestMemory.ofSize(1 << 20);
                vm.registerMemory(mem);
                VcpuFd vcpu = vm.createVcpu(0);
                vcpu.close();
                vm.close();
                mem.close();
                vm.close();     // idempotent
                mem.close();
            }
            assertEquals(fds, openFds(), "fd count after 200 VMs");
            long mapsAfter = mappings();
            assertTrue(mapsAfter <= maps + 4, "mappings grew from " + maps + " to " + mapsAfter);
        }
    }
}
