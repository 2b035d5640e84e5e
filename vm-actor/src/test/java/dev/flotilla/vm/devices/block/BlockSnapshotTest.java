package dev.flotilla.vm.devices.block;

import static dev.flotilla.vm.devices.block.BlockRequest.S_OK;
import static dev.flotilla.vm.devices.block.BlockRequest.T_IN;
import static dev.flotilla.vm.devices.block.BlockRequest.T_OUT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.vm.virtio.TransportEvents;
import dev.flotilla.vm.virtio.VirtioMmioState;
import dev.flotilla.vm.virtio.VirtioMmioTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A virtio-blk device saved and restored with its transport carries on where the driver left it. */
class BlockSnapshotTest {

    @TempDir
    Path dir;

    @Test
    void restoredDeviceServesTheNextRequestFromTheSwappedInFile() throws Exception {
        byte[] a = new byte[64 * 512];
        byte[] b = new byte[96 * 512];
        new Random(1).nextBytes(b);
        Files.write(dir.resolve("a.img"), a);
        Files.write(dir.resolve("b.img"), b);
        VirtioBlock device = new VirtioBlock("virtio-test-blk", "snap", BackingFile.open(dir.resolve("a.img"), false), Optional.empty());
        BlkDriver d = new BlkDriver(device, 4 << 20).start(VirtioBlockTest.ALL);
        long buf = d.alloc(512);
        d.request(T_OUT, 1, buf, 512, false);
        d.awaitOne();
        device.swapBackingFile(dir.resolve("b.img")).get();

        BlockState state = device.save();
        device.reset();   // stops the worker: a snapshot is taken with the data plane still
        VirtioMmioState transportState = d.transport.save();
        device.close();
        assertEquals(new BlockState("snap", dir.resolve("b.img"), false, 96), state);

        VirtioBlock restored = VirtioBlock.restore("virtio-test-blk", state, Optional.empty());
        try {
            VirtioMmioTransport t = VirtioMmioTransport.restore(restored, d.mem, () -> { }, TransportEvents.NONE, transportState);
            assertTrue(t.isActivated());
            // The driver goes on with the same ring: next avail entry, same descriptor area.
            long h = d.header(T_IN, 90);
            long st = d.status();
            d.submitWithoutKick(java.util.List.of(new BlkDriver.Buf(h, 16, false), new BlkDriver.Buf(buf, 512, true),
                    new BlkDriver.Buf(st, 1, true)));
            t.notifyQueue(0);
            d.awaitOne();
            assertEquals(S_OK, d.mem.readU8(GuestAddress.of(st)));
            assertArrayEquals(Arrays.copyOfRange(b, 90 * 512, 91 * 512), d.bytes(buf, 512));
            assertEquals(96, restored.capacitySectors());
        } finally {
            restored.close();
        }
    }

    @Test
    void aFileResizedSinceTheSnapshotIsRefused() throws IOException {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[8 * 512]);
        BlockState state = new BlockState("snap", f, false, 16);
        IOException e = assertThrows(IOException.class, () -> VirtioBlock.restore("w", state, Optional.empty()));
        assertTrue(e.getMessage().contains("has 8 sectors") && e.getMessage().contains("knew 16"), e.getMessage());
    }
}
