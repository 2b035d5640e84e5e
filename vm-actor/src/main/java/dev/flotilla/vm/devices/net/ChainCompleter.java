package dev.flotilla.vm.devices.net;

import dev.flotilla.vm.virtio.DescriptorChain;
import dev.flotilla.vm.virtio.SplitQueue;

/** Returns a chain to the driver (used ring + interrupt if wanted): the device's {@code complete}. */
@FunctionalInterface
interface ChainCompleter {
    void complete(SplitQueue queue, DescriptorChain chain, int written);
}
