package dev.flotilla.vm;

import dev.flotilla.kvm.EventFd;
import dev.flotilla.kvm.VmFd;
import dev.flotilla.kvm.hostfs.HostFiles;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.memory.MmapGuestMemory;
import dev.flotilla.kvm.x86.boot.VirtioSlot;
import dev.flotilla.vm.bus.Bus;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VsockConfig;
import dev.flotilla.vm.devices.balloon.PageReleaser;
import dev.flotilla.vm.devices.balloon.VirtioBalloon;
import dev.flotilla.vm.devices.block.VirtioBlock;
import dev.flotilla.vm.devices.rng.VirtioRng;
import dev.flotilla.vm.devices.vsock.VirtioVsock;
import dev.flotilla.vm.devices.vsock.VsockLimits;
import dev.flotilla.vm.virtio.MmioRegisters;
import dev.flotilla.vm.virtio.TransportEvents;
import dev.flotilla.vm.virtio.VirtioMmioTransport;
import dev.flotilla.vm.virtio.WorkerBackedDevice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a VM's virtio devices on the MMIO bus, one 4 KiB slot each (GSI 5 + slot): the device model, its
 * virtio-mmio transport, an irqfd for its interrupt and one ioeventfd per queue on QueueNotify (datamatch =
 * queue index), so guest kicks wake the device worker with no VM exit. Slots are assigned in a fixed order
 * (drives with the root drive first, network interfaces, vsock, entropy, balloon) so a guest sees stable
 * device names. Everything created is pushed on {@code undo} for the builder to release on failure.
 */
final class VirtioAttacher {

    private static final Logger log = LoggerFactory.getLogger(VirtioAttacher.class);

    private final String vmId;
    private final VmFd vm;
    private final GuestMemory memory;
    private final Bus.Builder mmio;
    private final HostFiles files;
    private final Deque<AutoCloseable> undo;
    private final List<AttachedDevice> attached = new ArrayList<>();
    private final List<String> kernelArgs = new ArrayList<>();

    VirtioAttacher(String vmId, VmFd vm, GuestMemory memory, Bus.Builder mmio, HostFiles files, Deque<AutoCloseable> undo) {
        this.files = files;
        this.vmId = vmId;
        this.vm = vm;
        this.memory = memory;
        this.mmio = mmio;
        this.undo = undo;
    }

    List<AttachedDevice> attachAll(VmDevices devices) {
        // The root drive takes slot 0 so that it is /dev/vda; the others keep their order.
        List<DriveConfig> drives = new ArrayList<>(devices.drives());
        drives.sort(Comparator.comparing(d -> !d.isRootDevice()));
        for (DriveConfig d : drives) {
            VirtioBlock blk;
            try {
                blk = VirtioBlock.open(workerName("blk-" + d.driveId()), d, files);
            } catch (IOException e) {
                throw new InvalidConfigException("path_on_host", "drive " + d.driveId() + ": " + e.getMessage());
            }
            attach(d.driveId(), "blk", blk);
            if (d.isRootDevice()) kernelArgs.add(rootArgs(d));
        }
        for (dev.flotilla.vm.config.NetworkInterfaceConfig n : devices.networkInterfaces()) {
            attach(n.ifaceId(), "net", dev.flotilla.vm.devices.net.VirtioNetFactory.create(workerName("net-" + n.ifaceId()), n));
        }
        if (devices.vsock().isPresent()) {
            VsockConfig v = devices.vsock().get();
            VirtioVsock vsock;
            try {
                vsock = VirtioVsock.open(workerName("vsock"), v, VsockLimits.DEFAULT, files);
            } catch (IOException e) {
                throw new InvalidConfigException("uds_path", e.getMessage());
            }
            attach("vsock", "vsock", vsock);
        }
        devices.entropy().ifPresent(e -> attach("entropy", "rng",
                new VirtioRng(workerName("rng"), e.rateLimiter().map(RateLimiterConfig::newLimiter))));
        devices.balloon().ifPresent(b -> {
            PageReleaser releaser = memory instanceof MmapGuestMemory m ? m::discard : (addr, len) -> { };
            VirtioBalloon balloon;
            try {
                balloon = new VirtioBalloon(workerName("balloon"), b, memory.totalSize(), releaser);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("amount_mib", e.getMessage());
            }
            attach("balloon", "balloon", balloon);
        });
        return List.copyOf(attached);
    }

    private String workerName(String device) {
        return "virtio-" + vmId + "-" + device;
    }

    /** Attaches one device in the next free slot. */
    void attach(String id, String kind, WorkerBackedDevice device) {
        undo.push(device);
        VirtioSlot slot = VirtioSlot.of(attached.size());
        EventFd irq = EventFd.create();
        undo.push(irq);
        vm.registerIrqfd(irq.fd(), slot.gsi());
        TransportEvents events = new TransportEvents() {
            @Override
            public void needsReset(String reason) {
                log.atWarn().addKeyValue("vm", vmId).addKeyValue("device", id)
                        .log("virtio device {} of {} needs a reset: {}", id, vmId, reason);
            }
        };
        VirtioMmioTransport transport = new VirtioMmioTransport(device, memory, irq::signal, events);
        long notify = slot.base().value() + MmioRegisters.QUEUE_NOTIFY;
        for (int q = 0; q < device.queueCount(); q++) {
            vm.registerIoeventfd(notify, 4, q, device.queueEventFd(q).fd());
        }
        mmio.add(kind + "-" + id, slot.base().value(), slot.size(), transport);
        attached.add(new AttachedDevice(id, kind, slot, transport, device));
    }

    /**
     * Firecracker's root-device arguments: {@code root=PARTUUID=<uuid>} when the drive names its
     * partition, else {@code root=/dev/vda} (the root drive is always slot 0), then ro or rw.
     */
    static String rootArgs(DriveConfig root) {
        return root.partuuid().map(p -> "root=PARTUUID=" + p).orElse("root=/dev/vda") + (root.isReadOnly() ? " ro" : " rw");
    }

    /** Kernel arguments the attached devices need (the root device), for {@link #withKernelArgs}. */
    List<String> kernelArgs() {
        return List.copyOf(kernelArgs);
    }

    /**
     * {@code bootArgs} with {@code args} added to the kernel's part: before a standalone {@code --},
     * after which words are the init's arguments, else at the end.
     */
    static String withKernelArgs(String bootArgs, List<String> args) {
        if (args.isEmpty()) return bootArgs;
        String extra = String.join(" ", args);
        String padded = " " + bootArgs + " ";
        int dashes = padded.indexOf(" -- ");
        if (dashes < 0) return bootArgs.isBlank() ? extra : bootArgs + " " + extra;
        String kernel = padded.substring(0, dashes).trim();
        return (kernel.isEmpty() ? extra : kernel + " " + extra) + " " + padded.substring(dashes + 1).trim();
    }

    /** The slots, for the kernel command line and the ACPI DSDT. */
    List<VirtioSlot> slots() {
        return attached.stream().map(AttachedDevice::slot).toList();
    }
}
