package dev.flotilla.kvm.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A network namespace a test owns, for the host end of a VM's TAP: link-local addresses only
 * (169.254.X.1 host, 169.254.X.2 guest), IPv6 off so the only traffic is the test's. Closing it
 * deletes the namespace, and with it the TAP if its fd is already closed.
 *
 * <p>Shared with the other modules' tests through kvm-native's test jar (only this package is in it).
 */
public final class TestNetns implements AutoCloseable {

    /** The namespace's name. */
    public final String name;
    /** 169.254.X.0/16, X chosen at random so parallel tests do not collide on addresses. */
    public final int x;

    private TestNetns(String name, int x) {
        this.name = name;
        this.x = x;
    }

    /** Skips the calling test, loudly, when the host has no TUN/TAP. */
    public static void assumeTun() {
        boolean ok = Files.exists(Path.of("/dev/net/tun"));
        if (!ok) System.err.println("SKIPPING TAP integration test: /dev/net/tun is absent on this host");
        assumeTrue(ok, "no /dev/net/tun");
    }

    /** {@code prefix} and six random hex digits: a TAP or namespace name no other test uses. */
    public static String randomName(String prefix) {
        return prefix + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000000) | 0x1000000).substring(1);
    }

    public static TestNetns create() {
        TestNetns n = new TestNetns(randomName("flt-"), 1 + ThreadLocalRandom.current().nextInt(250));
        run("ip", "netns", "add", n.name);
        try {
            run("ip", "netns", "exec", n.name, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1");
            run("ip", "netns", "exec", n.name, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
        } catch (IllegalStateException e) {
            n.close();
            throw e;
        }
        return n;
    }

    public String hostIp() {
        return "169.254." + x + ".1";
    }

    public String guestIp() {
        return "169.254." + x + ".2";
    }

    public String guestMac() {
        return String.format("06:00:a9:fe:%02x:02", x);
    }

    /** Moves {@code tap} (the VMM keeps its fd) into the namespace, gives it the host address and brings it up. */
    public void adopt(String tap) {
        run("ip", "link", "set", tap, "netns", name);
        run("ip", "-n", name, "addr", "add", hostIp() + "/16", "dev", tap);
        run("ip", "-n", name, "link", "set", tap, "up");
    }

    /** Starts a command inside the namespace. */
    public Process exec(String... cmd) throws IOException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
        all.addAll(List.of(cmd));
        return new ProcessBuilder(all).redirectErrorStream(true).start();
    }

    /** Packets the namespace's end of {@code tap} received from the guest and sent to it. */
    public record LinkCounts(long rxPackets, long txPackets, long txDropped) {
    }

    public LinkCounts counts(String tap) {
        String json = run("ip", "-n", name, "-j", "-s", "link", "show", "dev", tap);
        return new LinkCounts(stat(json, "rx", "packets"), stat(json, "tx", "packets"), stat(json, "tx", "dropped"));
    }

    private static long stat(String json, String dir, String key) {
        Matcher m = Pattern.compile("\"" + dir + "\":\\{[^}]*\"" + key + "\":(\\d+)").matcher(json);
        if (!m.find()) throw new IllegalStateException("no " + dir + "." + key + " in " + json);
        return Long.parseLong(m.group(1));
    }

    /** Runs {@code cmd} to its end (30 s at most) and returns its output; fails unless it exits 0. */
    public static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 30 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        }
    }

    @Override
    public void close() {
        try {
            run("ip", "netns", "del", name);
        } catch (IllegalStateException e) {
            System.err.println("could not delete test namespace " + name + ": " + e.getMessage());
        }
    }
}
