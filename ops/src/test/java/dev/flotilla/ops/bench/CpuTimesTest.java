package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuTimesTest {

    @Test
    void readsUtimeStimeAndTheReapedChildrensTimesInMilliseconds() {
        // utime=120 stime=30 cutime=7 cstime=3 ticks (fields 14-17); the name holds a space and a ')'
        String line = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 120 30 7 3 20 0 30 0 100 0 0";
        CpuTimes t = CpuTimes.parse(line);
        assertEquals(1500.0, t.selfMs());
        assertEquals(100.0, t.childrenMs());
    }

    @Test
    void differenceIsPerField() {
        CpuTimes d = new CpuTimes(500, 40).minus(new CpuTimes(200, 10));
        assertEquals(300, d.selfMs());
        assertEquals(30, d.childrenMs());
    }

    @Test
    void thisProcessHasUsedSomeCpu() {
        assertTrue(CpuTimes.now().selfMs() > 0);
    }

    @Test
    void refusesTextThatIsNotAStatLine() {
        assertThrows(IllegalArgumentException.class, () -> CpuTimes.parse("nothing here"));
    }
}
