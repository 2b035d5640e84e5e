package dev.flotilla.ops.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace of the benchmark's own for the host end of a guest's TAP, so the benchmark's
 * frames never meet the host's own networking: link-local addresses only (169.254.X.1 the host end,
 * 169.254.X.2 the guest), IPv6 off so the only traffic is the pings. Closing it deletes the namespace
 * (and a TAP still in it); a shutdown hook deletes any left when the run is interrupted.
 */
final class NetNamespace implements AutoCloseable {

    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(NetNamespace::delete), "bench-netns-cleanup"));
    }

    final String name;
    final int x;

    private NetNamespace(String name, int x) {
        this.name = name;
        this.x = x;
    }

    /** Why this host cannot run the net benchmark, or empty if it can. */
    static java.util.Optional<String> unavailable() {
        if (!Files.exists(Path.of("/dev/net/tun"))) return java.util.Optional.of("/dev/net/tun is absent");
        if (!"root".equals(System.getProperty("user.name"))) {
            return java.util.Optional.of("network namespaces and TAPs need root (running as " + System.getProperty("user.name") + ")");
        }
        return java.util.Optional.empty();
    }

    static String randomName(String prefix) {
        return prefix + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000000) | 0x1000000).substring(1);
    }

    static NetNamespace create() {
        NetNamespace n = new NetNamespace(randomName("flbench-"), 1 + ThreadLocalRandom.current().nextInt(250));
        run("ip", "netns", "add", n.name);
        LIVE.add(n.name);
        try {
            n.exec("sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1");
            n.exec("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
            run("ip", "-n", n.name, "link", "set", "lo", "up");
        } catch (IllegalStateException e) {
            n.close();
            throw e;
        }
        return n;
    }

    String hostIp() {
        return "169.254." + x + ".1";
    }

    String guestIp() {
        return "169.254." + x + ".2";
    }

    /** A locally administered unicast MAC derived from the subnet. */
    String guestMac() {
        return String.format("06:00:a9:fe:%02x:02", x);
    }

    /** Creates a TAP inside the namespace, addressed and up (the QEMU peer, which runs in the namespace). */
    void createTap(String tap) {
        run("ip", "-n", name, "tuntap", "add", "dev", tap, "mode", "tap");
        up(tap);
    }

    /** Moves a TAP the VMM created in the host namespace (and keeps open) into this one, addressed and up. */
    void adopt(String tap) {
        run("ip", "link", "set", tap, "netns", name);
        up(tap);
    }

    private void up(String tap) {
        run("ip", "-n", name, "addr", "add", hostIp() + "/16", "dev", tap);
        run("ip", "-n", name, "link", "set", tap, "up");
    }

    /** {@code ip netns exec <name> cmd...} as an argument vector. */
    List<String> inside(String... cmd) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
        all.addAll(List.of(cmd));
        return all;
    }

    String exec(String... cmd) {
        return run(inside(cmd).toArray(String[]::new));
    }

    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 30 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd) + " (is iproute2 installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        }
    }

    private static void delete(String name) {
        try {
            run("ip", "netns", "del", name);
        } catch (IllegalStateException e) {
            System.err.println("bench: could not delete network namespace " + name + ": " + e.getMessage()
                    + " (delete it with: ip netns del " + name + ")");
        }
    }

    @Override
    public void close() {
        if (LIVE.remove(name)) delete(name);
    }
}
