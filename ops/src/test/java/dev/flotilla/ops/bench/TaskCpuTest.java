package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TaskCpuTest {

    @Test
    void schedstatRunTimeIsItsFirstField() {
        assertEquals(786_747L, TaskCpu.schedstatNanos("786747 110609 3\n"));
        assertThrows(IllegalArgumentException.class, () -> TaskCpu.schedstatNanos("x y z"));
    }

    @Test
    void qemuVcpuThreadsAreTheCpuKvmOnesAndTheRestIsTheDeviceSide() {
        assertTrue(new TaskCpu(2, "CPU 0/KVM", 0).isQemuVcpu());
        assertFalse(new TaskCpu(1, "qemu-system-x86", 0).isQemuVcpu());
        CpuSample s = TaskCpu.qemuSample(List.of(new TaskCpu(1, "qemu-system-x86", 300), new TaskCpu(2, "CPU 0/KVM", 5000),
                new TaskCpu(3, "worker", 40), new TaskCpu(4, "call_rcu", 2)));
        assertEquals(new CpuSample(342, 5000, 5342), s);
    }

    @Test
    void readsTheThreadsOfThisProcess() {
        List<TaskCpu> tasks = TaskCpu.read(ProcessHandle.current().pid());
        assertTrue(tasks.size() > 1, "a JVM has several threads");
        assertTrue(tasks.stream().anyMatch(t -> t.cpuNanos() > 0));
    }
}
