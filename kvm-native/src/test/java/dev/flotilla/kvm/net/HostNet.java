package dev.flotilla.kvm.net;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test owns, holding the host end of a TAP with a link-local address: test
 * traffic never reaches the host's own networks. Closing it deletes the namespace.
 */
final class HostNet implements AutoCloseable {

    final String ns;
    /** 169.254.X.0/16, X chosen at random so parallel tests do not collide on names. */
    final int x;

    private HostNet(String ns, int x) {
        this.ns = ns;
        this.x = x;
    }

    static void assumeTun() {
        boolean ok = Files.exists(Path.of("/dev/net/tun"));
        if (!ok) System.err.println("SKIPPING TAP integration test: /dev/net/tun is absent on this host");
        assumeTrue(ok, "no /dev/net/tun");
    }

    static String randomName(String prefix) {
        return prefix + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000000) | 0x1000000).substring(1);
    }

    static HostNet create() {
        int x = 1 + ThreadLocalRandom.current().nextInt(250);
        HostNet n = new HostNet(randomName("flt-"), x);
        run("ip", "netns", "add", n.ns);
        return n;
    }

    String hostIp() {
        return "169.254." + x + ".1";
    }

    String guestIp() {
        return "169.254." + x + ".2";
    }

    /** Moves {@code tap} (its fd stays open in this process) into the namespace, addresses it and brings it up. */
    void adopt(String tap) {
        run("ip", "link", "set", tap, "netns", ns);
        run("ip", "-n", ns, "addr", "add", hostIp() + "/16", "dev", tap);
        run("ip", "-n", ns, "link", "set", tap, "up");
    }

    /** Starts a command inside the namespace. */
    Process exec(String... cmd) throws IOException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(List.of(cmd));
        return new ProcessBuilder(all).redirectErrorStream(true).start();
    }

    static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 20 s");
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
            run("ip", "netns", "del", ns);
        } catch (IllegalStateException e) {
            System.err.println("could not delete test namespace " + ns + ": " + e.getMessage());
        }
    }
}
