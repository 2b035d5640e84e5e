package dev.flotilla.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunOptionsTest {

    @Test
    void defaultsBootTheProbeGuestWithOneVcpuAnd128Mib() {
        RunOptions o = RunOptions.parse(List.of());
        assertTrue(o.kernel().isEmpty());
        assertEquals(1, o.vcpus());
        assertEquals(128, o.memMib());
        assertEquals("auto", o.boot());
        assertEquals(Duration.ofSeconds(30), o.timeout());
    }

    @Test
    void parsesEveryOption() {
        RunOptions o = RunOptions.parse(List.of("--kernel", "/k", "--initrd", "/i", "--cmdline", "a b",
                "--vcpus", "4", "--mem-mib", "4096", "--boot", "pvh", "--timeout", "1.5", "--console-file", "/c"));
        assertEquals(Path.of("/k"), o.kernel().orElseThrow());
        assertEquals(Path.of("/i"), o.initrd().orElseThrow());
        assertEquals("a b", o.cmdline().orElseThrow());
        assertEquals(4, o.vcpus());
        assertEquals(4096, o.memMib());
        assertEquals("pvh", o.boot());
        assertEquals(Duration.ofMillis(1500), o.timeout());
        assertEquals(Path.of("/c"), o.consoleFile().orElseThrow());
    }

    @Test
    void refusesOutOfRangeAndMalformedValuesWithTheOptionName() {
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--vcpus", "33")))
                .getMessage().contains("--vcpus must be 1 to 32"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--vcpus", "x")))
                .getMessage().contains("whole number"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--mem-mib")))
                .getMessage().contains("needs a value"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--boot", "bios")))
                .getMessage().contains("auto, linux64 or pvh"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--timeout", "NaN")))
                .getMessage().contains("seconds"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--frobnicate")))
                .getMessage().contains("unknown option"));
    }

    @Test
    void deviceOptionsBecomeValidatedDevicesInSlotOrder() {
        RunOptions o = RunOptions.parse(List.of("--drive", "/d/root.img:ro:root", "--drive", "/d/data.img",
                "--tap", "tap7:06:00:ac:10:00:02", "--vsock", "3:/tmp/v.sock", "--entropy", "--balloon", "64:deflate:stats=5",
                "--rate-limit", "drive1=bw=1048576/1000+4096,ops=100/1000", "--rate-limit", "net0.tx=ops=10/1000",
                "--rate-limit", "entropy=bw=64/1000"));
        var d = o.devices();
        assertEquals(2, d.drives().size());
        assertTrue(d.drives().get(0).isRootDevice() && d.drives().get(0).isReadOnly());
        assertEquals("drive1", d.drives().get(1).driveId());
        var bw = d.drives().get(1).rateLimiter().orElseThrow().bandwidth().orElseThrow();
        assertEquals(1048576, bw.size());
        assertEquals(4096, bw.oneTimeBurst());
        assertEquals(1000, bw.refillTimeMs());
        assertEquals(100, d.drives().get(1).rateLimiter().orElseThrow().ops().orElseThrow().size());
        assertEquals("tap7", d.networkInterfaces().get(0).hostDevName());
        assertEquals("06:00:ac:10:00:02", d.networkInterfaces().get(0).guestMac().orElseThrow());
        assertEquals(10, d.networkInterfaces().get(0).txRateLimiter().orElseThrow().ops().orElseThrow().size());
        assertTrue(d.networkInterfaces().get(0).rxRateLimiter().isEmpty());
        assertEquals(3, d.vsock().orElseThrow().guestCid());
        assertEquals(64, d.entropy().orElseThrow().rateLimiter().orElseThrow().bandwidth().orElseThrow().size());
        assertTrue(d.balloon().orElseThrow().deflateOnOom());
        assertEquals(5, d.balloon().orElseThrow().statsPollingIntervalS());
    }

    @Test
    void badDeviceOptionsSayWhatIsAccepted() {
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--drive", "/x:rw")))
                .getMessage().contains("PATH[:ro][:root]"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--vsock", "/x")))
                .getMessage().contains("CID:UDS_PATH"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--vsock", "2:/x")))
                .getMessage().contains("guest_cid"));
        assertTrue(assertThrows(UsageException.class,
                () -> RunOptions.parse(List.of("--rate-limit", "drive0=bw=10"))).getMessage().contains("SIZE/REFILL_MS"));
        assertTrue(assertThrows(UsageException.class,
                () -> RunOptions.parse(List.of("--rate-limit", "drive3=ops=1/1"))).getMessage().contains("names no attached device"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--tap", "bad/name")))
                .getMessage().contains("host_dev_name"));
        assertTrue(assertThrows(UsageException.class, () -> RunOptions.parse(List.of("--balloon", "x")))
                .getMessage().contains("whole number"));
    }
}
