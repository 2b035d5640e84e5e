package dev.flotilla.vm.devices.serial;

import dev.flotilla.vm.bus.IrqTrigger;
import java.util.ArrayList;
import java.util.List;

/** An edge-wired line that also remembers every level the device reported. */
final class RecordingIrq implements IrqTrigger {
    final List<Boolean> levels = new ArrayList<>();
    int pulses;

    @Override
    public void trigger() {
        pulses++;
    }

    @Override
    public void set(boolean asserted) {
        levels.add(asserted);
        IrqTrigger.super.set(asserted);
    }

    boolean level() {
        return !levels.isEmpty() && levels.get(levels.size() - 1);
    }
}
