package dev.flotilla.vm.devices.block;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a snapshot keeps of a virtio-blk device besides its transport state: the drive and the file
 * in use when it was taken (after any live swap), and the size the guest knew. Restoring re-opens
 * that file and refuses it if its size changed, since the guest's view of the disk would be wrong.
 * (Rate-limiter budgets are not kept: a restored limiter starts with full buckets.)
 */
public record BlockState(String driveId, Path pathOnHost, boolean readOnly, long capacitySectors) {

    public BlockState {
        Objects.requireNonNull(driveId, "driveId");
        Objects.requireNonNull(pathOnHost, "pathOnHost");
        if (capacitySectors < 0) throw new IllegalArgumentException("negative capacity " + capacitySectors);
    }
}
