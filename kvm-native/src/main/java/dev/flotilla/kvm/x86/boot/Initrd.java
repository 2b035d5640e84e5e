package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.hostfs.HostFile;
import java.util.Objects;

/**
 * Where an initial ramdisk comes from: a file already opened beneath its root (copied straight from its fd
 * into guest RAM; the opener closes it) or bytes already in hand.
 */
public sealed interface Initrd permits Initrd.FromFile, Initrd.FromBytes {

    record FromFile(HostFile file) implements Initrd {
        public FromFile {
            Objects.requireNonNull(file);
        }
    }

    record FromBytes(byte[] bytes) implements Initrd {
        public FromBytes {
            Objects.requireNonNull(bytes);
        }
    }

    static Initrd of(HostFile file) {
        return new FromFile(file);
    }

    static Initrd of(byte[] bytes) {
        return new FromBytes(bytes);
    }
}
