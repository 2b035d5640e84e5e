package dev.flotilla.ops;

import dev.flotilla.vm.config.BalloonConfig;
import dev.flotilla.vm.config.DriveConfig;
import dev.flotilla.vm.config.EntropyConfig;
import dev.flotilla.vm.config.InvalidConfigException;
import dev.flotilla.vm.config.NetworkInterfaceConfig;
import dev.flotilla.vm.config.RateLimiterConfig;
import dev.flotilla.vm.config.TokenBucketConfig;
import dev.flotilla.vm.config.VmDevices;
import dev.flotilla.vm.config.VsockConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The device options of {@code flotilla run}, turned into {@link VmDevices}:
 * <pre>
 *   --drive PATH[:ro][:root]     drives drive0, drive1, ... (":root" makes it the root device)
 *   --tap NAME[:MAC]             network interfaces net0, net1, ...
 *   --vsock CID:UDS_PATH         one vsock device
 *   --entropy                    one entropy (virtio-rng) device
 *   --balloon MIB[:deflate][:stats=S]
 *   --rate-limit TARGET=SPEC     TARGET: drive0.., net0.rx, net0.tx, entropy
 *                                SPEC:   bw=BYTES/MS[+BURST][,ops=COUNT/MS[+BURST]] (either or both)
 * </pre>
 * Mistakes are {@link UsageException}s that name the option and the accepted form.
 */
final class DeviceOptions {

    private final List<String[]> drives = new ArrayList<>();
    private final List<String[]> taps = new ArrayList<>();
    private String vsock;
    private boolean entropy;
    private String balloon;
    private final Map<String, RateLimiterConfig> limits = new HashMap<>();

    /** Consumes the option at {@code args[i]} if it is a device option; returns the next index, or -1 if not ours. */
    int take(List<String> args, int i) {
        String a = args.get(i);
        switch (a) {
            case "--drive" -> drives.add(value(args, i, a).split(":"));
            case "--tap" -> taps.add(value(args, i, a).split(":", 2));
            case "--vsock" -> vsock = value(args, i, a);
            case "--entropy" -> {
                entropy = true;
                return i + 1;
            }
            case "--balloon" -> balloon = value(args, i, a);
            case "--rate-limit" -> {
                String v = value(args, i, a);
                int eq = v.indexOf('=');
                if (eq <= 0) throw usage("--rate-limit takes TARGET=SPEC, e.g. drive0=bw=1048576/1000,ops=100/1000");
                limits.put(v.substring(0, eq), rateLimiter(v.substring(eq + 1)));
            }
            default -> {
                return -1;
            }
        }
        return i + 2;
    }

    VmDevices toDevices() {
        try {
            List<DriveConfig> driveConfigs = new ArrayList<>();
            for (int n = 0; n < drives.size(); n++) {
                String[] parts = drives.get(n);
                boolean ro = false, root = false;
                for (int k = 1; k < parts.length; k++) {
                    switch (parts[k]) {
                        case "ro" -> ro = true;
                        case "root" -> root = true;
                        default -> throw usage("--drive takes PATH[:ro][:root], got flag '" + parts[k] + "'");
                    }
                }
                String id = "drive" + n;
                driveConfigs.add(new DriveConfig(id, Path.of(parts[0]).toAbsolutePath(), root, ro, Optional.empty(),
                        Optional.ofNullable(limits.remove(id))));
            }
            List<NetworkInterfaceConfig> nics = new ArrayList<>();
            for (int n = 0; n < taps.size(); n++) {
                String[] parts = taps.get(n);
                String id = "net" + n;
                nics.add(new NetworkInterfaceConfig(id, parts[0], parts.length > 1 ? Optional.of(parts[1]) : Optional.empty(),
                        Optional.ofNullable(limits.remove(id + ".rx")), Optional.ofNullable(limits.remove(id + ".tx"))));
            }
            Optional<VsockConfig> vs = Optional.empty();
            if (vsock != null) {
                int colon = vsock.indexOf(':');
                if (colon <= 0) throw usage("--vsock takes CID:UDS_PATH, e.g. 3:/tmp/vm.vsock");
                vs = Optional.of(new VsockConfig(number("--vsock CID", vsock.substring(0, colon)),
                        Path.of(vsock.substring(colon + 1)).toAbsolutePath()));
            }
            Optional<EntropyConfig> rng = entropy || limits.containsKey("entropy")
                    ? Optional.of(new EntropyConfig(Optional.ofNullable(limits.remove("entropy")))) : Optional.empty();
            Optional<BalloonConfig> bal = Optional.empty();
            if (balloon != null) {
                String[] parts = balloon.split(":");
                boolean deflate = false;
                int stats = 0;
                for (int k = 1; k < parts.length; k++) {
                    if (parts[k].equals("deflate")) deflate = true;
                    else if (parts[k].startsWith("stats=")) stats = (int) number("--balloon stats", parts[k].substring(6));
                    else throw usage("--balloon takes MIB[:deflate][:stats=SECONDS], got '" + parts[k] + "'");
                }
                bal = Optional.of(new BalloonConfig(number("--balloon MIB", parts[0]), deflate, stats));
            }
            if (!limits.isEmpty()) {
                throw usage("--rate-limit names no attached device: " + String.join(", ", limits.keySet())
                        + " (targets are drive0.., net0.rx, net0.tx, entropy)");
            }
            return new VmDevices(driveConfigs, nics, vs, rng, bal);
        } catch (InvalidConfigException e) {
            throw usage(e.getMessage());
        }
    }

    /** bw=BYTES/MS[+BURST],ops=COUNT/MS[+BURST] */
    static RateLimiterConfig rateLimiter(String spec) {
        Optional<TokenBucketConfig> bw = Optional.empty(), ops = Optional.empty();
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            if (eq < 0 || !(key.equals("bw") || key.equals("ops"))) {
                throw usage("--rate-limit SPEC is bw=BYTES/MS[+BURST] and/or ops=COUNT/MS[+BURST], got '" + part + "'");
            }
            String body = part.substring(eq + 1);
            long burst = 0;
            int plus = body.indexOf('+');
            if (plus >= 0) {
                burst = number("--rate-limit burst", body.substring(plus + 1));
                body = body.substring(0, plus);
            }
            int slash = body.indexOf('/');
            if (slash <= 0) throw usage("--rate-limit " + key + " takes SIZE/REFILL_MS, got '" + body + "'");
            TokenBucketConfig bucket;
            try {
                bucket = new TokenBucketConfig(number("--rate-limit size", body.substring(0, slash)), burst,
                        number("--rate-limit refill", body.substring(slash + 1)));
            } catch (InvalidConfigException e) {
                throw usage("--rate-limit: " + e.getMessage());
            }
            if (key.equals("bw")) bw = Optional.of(bucket);
            else ops = Optional.of(bucket);
        }
        return new RateLimiterConfig(bw, ops);
    }

    private static String value(List<String> args, int i, String opt) {
        if (i + 1 >= args.size()) throw usage(opt + " needs a value");
        return args.get(i + 1);
    }

    private static long number(String what, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw usage(what + " takes a whole number, got '" + v + "'");
        }
    }

    private static UsageException usage(String m) {
        return new UsageException(m);
    }
}
