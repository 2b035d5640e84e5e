package dev.flotilla.vm.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IrqTriggerTest {

    @Test
    void edgeWiredLinePulsesOnRisingLevelOnly() {
        var pulses = new AtomicInteger();
        IrqTrigger line = pulses::incrementAndGet;
        line.set(true);
        line.set(false);
        line.set(true);
        assertEquals(2, pulses.get());
    }
}
