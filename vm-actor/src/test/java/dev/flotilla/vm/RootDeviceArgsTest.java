package dev.flotilla.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flotilla.vm.config.DriveConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Firecracker's root-device kernel arguments and where they go in the boot args. */
class RootDeviceArgsTest {

    private static DriveConfig root(boolean ro, Optional<String> partuuid) {
        return new DriveConfig("rootfs", Path.of("/tmp/rootfs.ext4"), true, ro, partuuid, Optional.empty());
    }

    @Test
    void rootDriveIsVdaReadWriteOrReadOnly() {
        assertEquals("root=/dev/vda rw", VirtioAttacher.rootArgs(root(false, Optional.empty())));
        assertEquals("root=/dev/vda ro", VirtioAttacher.rootArgs(root(true, Optional.empty())));
    }

    @Test
    void partuuidNamesThePartitionInstead() {
        assertEquals("root=PARTUUID=12345678-01 rw", VirtioAttacher.rootArgs(root(false, Optional.of("12345678-01"))));
    }

    @Test
    void kernelArgsGoBeforeTheInitArguments() {
        List<String> root = List.of("root=/dev/vda rw");
        assertEquals("console=ttyS0 root=/dev/vda rw", VirtioAttacher.withKernelArgs("console=ttyS0", root));
        assertEquals("console=ttyS0 root=/dev/vda rw -- --init-flag x",
                VirtioAttacher.withKernelArgs("console=ttyS0 -- --init-flag x", root));
        assertEquals("root=/dev/vda rw -- single", VirtioAttacher.withKernelArgs("-- single", root));
        assertEquals("root=/dev/vda rw", VirtioAttacher.withKernelArgs("", root));
        assertEquals("console=ttyS0", VirtioAttacher.withKernelArgs("console=ttyS0", List.of()));
        assertEquals("a--b root=/dev/vda rw", VirtioAttacher.withKernelArgs("a--b", root), "only a standalone -- splits");
    }
}
