package dev.flotilla.vm.bus;

import java.util.ArrayList;
import java.util.List;

/** For device tests: an edge-wired line that also remembers every level the device reported. */
public final class RecordingIrq implements IrqTrigger {
    public final List<Boolean> levels = new ArrayList<>();
    public int pulses;

    @Override
    public void trigger() {
        pulses++;
    }

    @Override
    public void set(boolean asserted) {
        levels.add(asserted);
        IrqTrigger.super.set(asserted);
    }

    public boolean level() {
        return !levels.isEmpty() && levels.get(levels.size() - 1);
    }
}
