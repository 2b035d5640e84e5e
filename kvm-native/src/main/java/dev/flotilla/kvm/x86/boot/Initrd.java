package dev.flotilla.kvm.x86.boot;

import java.nio.file.Path;
import java.util.Objects;

/** Where an initial ramdisk comes from: a file (copied straight into guest RAM) or bytes already in hand. */
public sealed interface Initrd permits Initrd.FromFile, Initrd.FromBytes {

    record FromFile(Path path) implements Initrd {
        public FromFile {
            Objects.requireNonNull(path);
        }
    }

    record FromBytes(byte[] bytes) implements Initrd {
        public FromBytes {
            Objects.requireNonNull(bytes);
        }
    }

    static Initrd of(Path path) {
        return new FromFile(path);
    }

    static Initrd of(byte[] bytes) {
        return new FromBytes(bytes);
    }
}
