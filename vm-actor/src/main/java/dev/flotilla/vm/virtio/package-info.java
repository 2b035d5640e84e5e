/**
 * Virtio over MMIO, device-independent: the transport register file and the split virtqueue.
 *
 * <p>Shape. {@link dev.flotilla.vm.virtio.VirtioMmioTransport} is a {@code BusDevice} in a 4 KiB
 * MMIO slot; it owns negotiation (features, status, queue set-up) and drives one
 * {@link dev.flotilla.vm.virtio.VirtioDevice} (block, net, vsock, rng, balloon live in their own
 * packages). On DRIVER_OK it builds a {@link dev.flotilla.vm.virtio.SplitQueue} per ready queue
 * and hands them, with an {@link dev.flotilla.vm.virtio.Interrupts}, to the device's
 * {@code activate}. The device's worker pops {@link dev.flotilla.vm.virtio.DescriptorChain}s,
 * completes them with {@code addUsed}, and raises the used-buffer interrupt when
 * {@code needsNotification()} says so.
 *
 * <p>Notifications and interrupts without KVM here. A queue kick reaches the device through
 * {@code notifyQueue(q)}, whether it came from a QueueNotify MMIO exit or, once the VM registers
 * an ioeventfd on {@link dev.flotilla.vm.virtio.MmioRegisters#QUEUE_NOTIFY} (datamatch = queue
 * index), from the poller of that eventfd. Interrupts leave through the {@code IrqTrigger} the VM
 * wires to an irqfd. So everything here is testable with {@code HeapGuestMemory} and no /dev/kvm.
 *
 * <p>The guest is untrusted. Register accesses of the wrong width or offset are ignored and
 * counted; set-ups that would make the device read outside guest RAM are refused at QueueReady
 * (the device then reports NEEDS_RESET); every descriptor chain is checked in full before a device
 * sees it, and a bad one is completed with length 0 and counted by reason
 * ({@link dev.flotilla.vm.virtio.ChainFault}); ring state that cannot be trusted (avail index
 * jumps) stops the queue and asks the driver for a reset. Nothing a guest writes can make this
 * code throw out of a register access or loop without bound.
 *
 * <p>Feature bits the transport implements: VERSION_1 (required: legacy drivers are refused at
 * FEATURES_OK), INDIRECT_DESC and EVENT_IDX (when the device offers them). Other ring/transport
 * bits a device might claim (packed ring, in-order, notification data, ring reset, shared memory
 * regions) are masked off.
 *
 * <p>Snapshots: {@code VirtioMmioTransport.save()} gives a {@link dev.flotilla.vm.virtio.VirtioMmioState}
 * (registers, queue set-ups, ring positions, pending interrupt bits); {@code restore(...)} rebuilds
 * the transport around an already-restored device and re-activates it at the saved positions.
 *
 * <p>Threads: vCPU threads for register accesses (serialised by the transport), one worker thread
 * per device for its queues (see SplitQueue for the memory fences between it and the guest).
 *
 * <p>Device workers ({@link dev.flotilla.vm.virtio.DeviceWorker}). A device has at most one worker
 * thread, and none is ever abandoned: a reset asks it to stop and waits a grace period; a thread still
 * finishing a guest's request then stays the worker's, the next activation is refused (NEEDS_RESET)
 * until it has ended, and whoever frees what it touches waits for it without limit first
 * ({@code VmResources} stops and awaits every device of a VM before it closes any fd or unmaps guest
 * RAM). Work per guest action is bounded in one place: every drain loop asks
 * {@code mayTakeChain()} before each chain; the answer is no once a stop was requested or the turn's
 * budget (chains, bytes) is spent, and in the second case the worker re-arms the event itself, so a
 * long queue is served over several turns, other ready events go in between, and a stop is seen
 * between chains. A chain is never longer than the device's queue size (its QueueNumMax; indirect tables included).
 *
 * <p>Guest faults are counted in {@link dev.flotilla.vm.virtio.QueueMetrics} and
 * {@link dev.flotilla.vm.virtio.TransportMetrics}; what reaches the host's log goes through the VM's
 * {@link dev.flotilla.vm.virtio.GuestFaultLog}, a few lines per interval and a count of the rest.
 */
package dev.flotilla.vm.virtio;
