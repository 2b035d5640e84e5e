package dev.flotilla.kvm;

import dev.flotilla.kvm.KvmAvailability.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KvmAvailabilityTest {

    @Test
    void onlyHardwareAndPvmAreUsable() {
        assertTrue(new KvmAvailability(Status.HARDWARE, "", "").usable());
        assertTrue(new KvmAvailability(Status.PVM, "", "").usable());
        assertFalse(new KvmAvailability(Status.ABSENT, "", "").usable());
        assertFalse(new KvmAvailability(Status.NO_PERMISSION, "", "").usable());
        assertFalse(new KvmAvailability(Status.UNUSABLE, "", "").usable());
    }

    @Test
    void pvmDescriptionSaysPlainlyThatGuestsStopEarly() {
        String d = new KvmAvailability(Status.PVM, "kvm_pvm loaded", "use a host with VT-x").describe();
        assertTrue(d.contains("emulator") && d.contains("stop early"), d);
        assertTrue(d.contains("(kvm_pvm loaded)") && d.endsWith("use a host with VT-x"), d);
    }

    @Test
    void absentDescriptionCarriesTheAdvice() {
        String d = new KvmAvailability(Status.ABSENT, "no /dev/kvm", "load kvm_intel or kvm_amd").describe();
        assertTrue(d.startsWith("KVM is not available (no /dev/kvm).") && d.contains("kvm_intel"), d);
    }

    @Test
    void availabilityIsCachedAndNeverThrows() {
        KvmAvailability a = Kvm.availability();
        assertSame(a, Kvm.availability());
        assertFalse(a.describe().isEmpty());
    }
}
