package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TaskCpuTest {

    @Test
    void schedstatRunTimeAndRunQueueWaitAreItsFirstTwoFields() {
        assertArrayEquals(new long[] {786_747L, 110_609L}, TaskCpu.schedstat("786747 110609 3\n"));
        assertThrows(IllegalArgumentException.class, () -> TaskCpu.schedstat("x y z"));
        assertThrows(IllegalArgumentException.class, () -> TaskCpu.schedstat("12"));
    }

    @Test
    void namesAreMatchedAsLinuxTruncatesThem() {
        assertTrue(new TaskCpu(7, "virtio-bench-3-", 0, 0).isNamed("virtio-bench-3-blk-bench"));
        assertFalse(new TaskCpu(7, "virtio-bench-3-", 0, 0).isNamed("virtio-bench-31-blk-bench"));
        assertTrue(new TaskCpu(8, "vcpu-bench-3-0", 0, 0).isNamed("vcpu-bench-3-0"));
        assertFalse(new TaskCpu(8, "vcpu-bench-3-0", 0, 0).isNamed("vcpu-bench-3-01"));
    }

    @Test
    void qemuVcpuThreadsAreTheCpuKvmOnesAndTheRestIsTheDeviceSide() {
        assertTrue(new TaskCpu(2, "CPU 0/KVM", 0, 0).isQemuVcpu());
        assertFalse(new TaskCpu(1, "qemu-system-x86", 0, 0).isQemuVcpu());
        CpuSample s = TaskCpu.qemuSample(List.of(new TaskCpu(1, "qemu-system-x86", 300, 10), new TaskCpu(2, "CPU 0/KVM", 5000, 700),
                new TaskCpu(3, "worker", 40, 5), new TaskCpu(4, "call_rcu", 2, 1)));
        assertEquals(new CpuSample(342, 5000, 5342, 16, 700), s);
    }

    @Test
    void readsTheThreadsOfThisProcess() {
        List<TaskCpu> tasks = TaskCpu.read(ProcessHandle.current().pid());
        assertTrue(tasks.size() > 1, "a JVM has several threads");
        assertTrue(tasks.stream().anyMatch(t -> t.cpuNanos() > 0));
    }
}
