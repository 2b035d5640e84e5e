package dev.flotilla.ops.bench;

import dev.flotilla.ops.UsageException;
import dev.flotilla.ops.CliArgs;

import java.util.List;

/**
 * The options of {@code flotilla bench devices}, validated before anything touches KVM.
 *
 * @param seconds  how long each routine runs in the guest (its own kvmclock)
 * @param rounds   Flotilla/QEMU pairs per workload, alternating, after one short warm-up pair
 * @param diskMib  size of the backing file both peers read
 * @param segKib   size of the data descriptors of a 1 MiB sequential read (4 KiB pages are what a
 *                 guest's page cache gives; 8 keeps 1 MiB within both devices' seg_max of 254)
 */
public record DevicesOptions(int seconds, int rounds, int diskMib, int segKib, boolean skipQemu, boolean skipBlock,
                             boolean skipNet, String qemu) {

    public static final String USAGE = """
            usage: flotilla bench devices [--seconds S] [--rounds R] [--disk-mib M] [--seg-kib K] [--skip-qemu]
                                          [--skip-block] [--skip-net] [--qemu BINARY]
              Device throughput and host CPU per request, Flotilla (in this JVM) and QEMU microvm's
              virtio-mmio devices side by side, same probe guest: block 4 KiB random reads and 1 MiB
              sequential reads from a pre-read M MiB file (default 64), and ICMP echo through a TAP in a
              network namespace (needs root and /dev/net/tun). Each routine runs S seconds (default 5), R
              rounds (default 2) alternating the peers. A 1 MiB read is one chain with K KiB data descriptors
              (default 8: 128 of them). Progress to stderr, the table to stdout.""";

    public DevicesOptions {
        if (seconds < 1 || seconds > 600) throw new UsageException("--seconds must be 1 to 600, got " + seconds);
        if (rounds < 1 || rounds > 50) throw new UsageException("--rounds must be 1 to 50, got " + rounds);
        if (diskMib < 1 || diskMib > 4096) throw new UsageException("--disk-mib must be 1 to 4096, got " + diskMib);
        if (segKib < 8 || segKib > 1024 || segKib % 4 != 0 || 1024 % segKib != 0) {
            throw new UsageException("--seg-kib must divide 1024 and be 8 to 1024 (4 would need 256 descriptors, "
                    + "more than the devices' seg_max of 254), got " + segKib);
        }
        if (qemu == null || qemu.isBlank()) throw new UsageException("--qemu needs a binary name or path");
    }

    public static DevicesOptions defaults() {
        return new DevicesOptions(5, 2, 64, 8, false, false, false, "qemu-system-x86_64");
    }

    /** Parses the words after {@code bench devices}. */
    public static DevicesOptions parse(List<String> args) {
        DevicesOptions d = defaults();
        int seconds = d.seconds, rounds = d.rounds, disk = d.diskMib, segKib = d.segKib;
        boolean skipQemu = false, skipBlock = false, skipNet = false;
        String qemu = d.qemu;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--seconds" -> seconds = CliArgs.integer(args, ++i, a);
                case "--rounds" -> rounds = CliArgs.integer(args, ++i, a);
                case "--disk-mib" -> disk = CliArgs.integer(args, ++i, a);
                case "--seg-kib" -> segKib = CliArgs.integer(args, ++i, a);
                case "--skip-qemu" -> skipQemu = true;
                case "--skip-block" -> skipBlock = true;
                case "--skip-net" -> skipNet = true;
                case "--qemu" -> qemu = CliArgs.value(args, ++i, a);
                default -> throw new UsageException("unknown option '" + a + "'");
            }
        }
        return new DevicesOptions(seconds, rounds, disk, segKib, skipQemu, skipBlock, skipNet, qemu);
    }


}
