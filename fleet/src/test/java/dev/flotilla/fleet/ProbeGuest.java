package dev.flotilla.fleet;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.KvmAvailability;
import dev.flotilla.vm.config.BootSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the fleet ITs find the probe guest and whether this host can run them. */
final class ProbeGuest {

    private ProbeGuest() {}

    static Path elf() {
        String dir = System.getProperty("flotilla.guest.dir", "../ops/guest/build");
        Path p = Path.of(dir, "probe.elf").toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("probe guest not built at " + p + ": run 'make -C ops/guest' or 'mvn verify' from the top");
        }
        return p;
    }

    /** The probe guest with {@code args} on its command line. */
    static BootSource boot(String args) {
        return new BootSource(elf(), Optional.empty(), "console=ttyS0 " + args);
    }

    /** Skips the calling test, loudly, only when this host has no usable /dev/kvm. */
    static void assumeKvm() {
        KvmAvailability a = Kvm.availability();
        if (!a.usable()) System.err.println("SKIPPING KVM integration test: " + a.describe());
        assumeTrue(a.usable(), () -> "no usable /dev/kvm: " + a.describe());
    }
}
