package dev.flotilla.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-VM resources, Firecracker's sequence and its pre-/post-boot refusals, through a real server. */
class FirecrackerRoutesTest {

    @TempDir
    static Path tmp;
    static ApiTestServer api;

    @BeforeAll
    static void start() throws Exception {
        api = new ApiTestServer(tmp, null);
    }

    @AfterAll
    static void stop() throws Exception {
        api.close();
    }

    @Test
    void firecrackerSequenceConfiguresStartsPausesAndResumes() {
        String id = "fc-seq";
        api.put("/vms/" + id + "/machine-config", "{\"vcpu_count\":2,\"mem_size_mib\":256,\"smt\":false}").noContent();
        JsonNode info = api.get("/vms/" + id).json();
        assertEquals("Not started", info.get("state").asText());
        assertEquals(id, info.get("id").asText());
        assertEquals("Flotilla", info.get("app_name").asText());
        assertFalse(info.get("vmm_version").asText().isEmpty());

        api.put("/vms/" + id + "/boot-source", "{\"kernel_image_path\":\"" + api.kernel + "\",\"initrd_path\":\"" + api.initrd
                + "\",\"boot_args\":\"console=ttyS0 reboot=k\"}").noContent();
        api.put("/vms/" + id + "/drives/rootfs", "{\"drive_id\":\"rootfs\",\"path_on_host\":\"" + api.rootfs
                + "\",\"is_root_device\":true,\"is_read_only\":false}").noContent();
        api.put("/vms/" + id + "/network-interfaces/eth0", "{\"iface_id\":\"eth0\",\"host_dev_name\":\"tap0\",\"guest_mac\":\"06:00:ac:10:00:02\"}").noContent();
        api.put("/vms/" + id + "/vsock", "{\"guest_cid\":3,\"uds_path\":\"" + api.root.resolve("v.sock") + "\"}").noContent();
        api.put("/vms/" + id + "/entropy", "{\"rate_limiter\":{\"bandwidth\":{\"size\":1000,\"refill_time\":100}}}").noContent();
        api.put("/vms/" + id + "/balloon", "{\"amount_mib\":64,\"deflate_on_oom\":true,\"stats_polling_interval_s\":1}").noContent();
        api.put("/vms/" + id + "/logger", "{\"log_path\":\"" + api.root.resolve("vm.log") + "\",\"level\":\"debug\"}").noContent();
        api.put("/vms/" + id + "/metrics", "{\"metrics_path\":\"" + api.root.resolve("vm.metrics") + "\"}").noContent();
        api.put("/vms/" + id + "/actions", "{\"action_type\":\"InstanceStart\"}").noContent();
        assertEquals("Running", api.get("/vms/" + id).json().get("state").asText());

        api.patch("/vms/" + id + "/vm", "{\"state\":\"Paused\"}").noContent();
        assertEquals("Paused", api.get("/vms/" + id).json().get("state").asText());
        api.patch("/vms/" + id + "/vm", "{\"state\":\"Resumed\"}").noContent();
        assertEquals("Running", api.get("/vms/" + id).json().get("state").asText());
        api.put("/vms/" + id + "/actions", "{\"action_type\":\"SendCtrlAltDel\"}").noContent();
        api.put("/vms/" + id + "/actions", "{\"action_type\":\"FlushMetrics\"}").noContent();

        JsonNode config = api.get("/vms/" + id + "/config").json();
        assertEquals(2, config.get("machine-config").get("vcpu_count").asInt());
        assertEquals(256, config.get("machine-config").get("mem_size_mib").asInt());
        assertEquals("None", config.get("machine-config").get("cpu_template").asText());
        assertEquals(api.kernel.toString(), config.get("boot-source").get("kernel_image_path").asText());
        assertEquals(api.initrd.toString(), config.get("boot-source").get("initrd_path").asText());
        assertEquals("rootfs", config.get("drives").get(0).get("drive_id").asText());
        assertTrue(config.get("drives").get(0).get("is_root_device").asBoolean());
        assertEquals("tap0", config.get("network-interfaces").get(0).get("host_dev_name").asText());
        assertEquals(3, config.get("vsock").get("guest_cid").asInt());
        assertEquals(1000, config.get("entropy").get("rate_limiter").get("bandwidth").get("size").asInt());
        assertEquals(64, config.get("balloon").get("amount_mib").asInt());
        assertEquals("Debug", config.get("logger").get("level").asText());
        assertEquals(api.root.resolve("vm.metrics").toString(), config.get("metrics").get("metrics_path").asText());
        assertEquals(config, api.get("/vms/" + id + "/vm/config").json(), "Firecracker's /vm/config path serves the same document");
    }

    @Test
    void machineConfigGetPutAndPatchMerges() {
        String id = "mc";
        api.put("/vms/" + id + "/machine-config", "{\"vcpu_count\":4,\"mem_size_mib\":512,\"track_dirty_pages\":true}").noContent();
        api.patch("/vms/" + id + "/machine-config", "{\"mem_size_mib\":1024}").noContent();
        JsonNode m = api.get("/vms/" + id + "/machine-config").json();
        assertEquals(4, m.get("vcpu_count").asInt(), "PATCH keeps what it does not name");
        assertEquals(1024, m.get("mem_size_mib").asInt());
        assertTrue(m.get("track_dirty_pages").asBoolean());
        assertEquals("None", m.get("huge_pages").asText());
        // PUT resets what it does not name to Firecracker's defaults
        api.put("/vms/" + id + "/machine-config", "{\"vcpu_count\":1,\"mem_size_mib\":128}").noContent();
        assertFalse(api.get("/vms/" + id + "/machine-config").json().get("track_dirty_pages").asBoolean());
    }

    @Test
    void patchMachineConfigOnANewVmStartsFromFirecrackerDefaults() {
        api.patch("/vms/mc-new/machine-config", "{\"vcpu_count\":2}").noContent();
        JsonNode m = api.get("/vms/mc-new/machine-config").json();
        assertEquals(2, m.get("vcpu_count").asInt());
        assertEquals(128, m.get("mem_size_mib").asInt());
    }

    @Test
    void putMachineConfigNeedsVcpuCountAndMemSize() {
        String msg = api.put("/vms/mc-req/machine-config", "{\"vcpu_count\":2}").fault(400);
        assertTrue(msg.contains("mem_size_mib"), msg);
    }

    @Test
    void machineConfigValuesAreRangeChecked() {
        api.put("/vms/mc-r/machine-config", "{\"vcpu_count\":33,\"mem_size_mib\":128}").refuses(400, "vcpu_count");
        api.put("/vms/mc-r/machine-config", "{\"vcpu_count\":0,\"mem_size_mib\":128}").refuses(400, "vcpu_count");
        api.put("/vms/mc-r/machine-config", "{\"vcpu_count\":3,\"mem_size_mib\":128,\"smt\":true}").refuses(400, "smt");
        api.put("/vms/mc-r/machine-config", "{\"vcpu_count\":1,\"mem_size_mib\":1}").refuses(400, "mem_size_mib");
        api.put("/vms/mc-r/machine-config", "{\"vcpu_count\":1,\"mem_size_mib\":128,\"cpu_template\":\"T9\"}").refuses(400, "cpu_template");
        api.put("/vms/mc-r/machine-config", "{\"vcpu_count\":1,\"mem_size_mib\":129,\"huge_pages\":\"2M\"}").refuses(400, "mem_size_mib");
    }

    @Test
    void getOnAnUnknownVmIs404() {
        api.get("/vms/nobody").fault(404);
        api.get("/vms/nobody/machine-config").fault(404);
        api.get("/vms/nobody/config").fault(404);
        api.get("/vms/nobody/balloon").fault(404);
        api.put("/vms/nobody/actions", "{\"action_type\":\"InstanceStart\"}").fault(404);
        api.patch("/vms/nobody/drives/d", "{\"drive_id\":\"d\"}").fault(404);
    }

    @Test
    void bodyIdMustMatchPathId() {
        String msg = api.put("/vms/ids/drives/rootfs", "{\"drive_id\":\"other\",\"path_on_host\":\"" + api.rootfs
                + "\",\"is_root_device\":true}").fault(400);
        assertTrue(msg.contains("drive_id") && msg.contains("other") && msg.contains("rootfs"), msg);
        msg = api.put("/vms/ids/network-interfaces/eth0", "{\"iface_id\":\"eth1\",\"host_dev_name\":\"tap1\"}").fault(400);
        assertTrue(msg.contains("iface_id"), msg);
    }

    @Test
    void driveRulesAreChecked() {
        String base = "{\"drive_id\":\"d\",\"path_on_host\":\"" + api.rootfs + "\"";
        api.put("/vms/dr/drives/d", base + "}").refuses(400, "is_root_device");
        api.put("/vms/dr/drives/d", base + ",\"is_root_device\":false,\"partuuid\":\"1234\"}").refuses(400, "partuuid");
        api.put("/vms/dr/drives/d", base + ",\"is_root_device\":false,\"io_engine\":\"Async\"}").refuses(400, "io_engine");
        api.put("/vms/dr/drives/d", base + ",\"is_root_device\":false,\"cache_type\":\"Unsafe\",\"io_engine\":\"Sync\"}").noContent();
        api.put("/vms/dr/drives/e", "{\"drive_id\":\"e\",\"path_on_host\":\"" + api.rootfs
                + "\",\"is_root_device\":false,\"rate_limiter\":{\"ops\":{\"size\":-1,\"refill_time\":10}}}").refuses(400, "size");
        api.put("/vms/dr/drives/e", "{\"drive_id\":\"e\",\"path_on_host\":\"" + api.rootfs
                + "\",\"is_root_device\":false,\"rate_limiter\":{\"ops\":{\"size\":10}}}").refuses(400, "refill_time");
    }

    @Test
    void networkInterfaceValuesAreChecked() {
        api.put("/vms/ni/network-interfaces/eth0", "{\"iface_id\":\"eth0\",\"host_dev_name\":\"tap0\",\"guest_mac\":\"zz\"}")
                .refuses(400, "guest_mac");
        api.put("/vms/ni/network-interfaces/eth0", "{\"iface_id\":\"eth0\",\"host_dev_name\":\"a/b\"}")
                .refuses(400, "host_dev_name");
    }

    @Test
    void vsockBalloonLoggerAndActionValuesAreChecked() {
        api.put("/vms/vv/vsock", "{\"guest_cid\":2,\"uds_path\":\"" + api.root.resolve("s") + "\"}").refuses(400, "guest_cid");
        api.put("/vms/vv/balloon", "{\"amount_mib\":64}").refuses(400, "deflate_on_oom");
        api.put("/vms/vv/balloon", "{\"amount_mib\":64,\"deflate_on_oom\":true,\"stats_polling_interval_s\":-1}").refuses(400, "stats_polling_interval_s");
        api.put("/vms/vv/logger", "{\"log_path\":\"" + api.root.resolve("l") + "\",\"level\":\"Loud\"}").refuses(400, "level");
        api.put("/vms/vv/actions", "{\"action_type\":\"Reboot\"}").refuses(400, "InstanceStart");
        api.put("/vms/vv/actions", "{}").refuses(400, "action_type");
        api.configured("vv");
        api.patch("/vms/vv/vm", "{\"state\":\"Stopped\"}").refuses(400, "Paused");
    }

    @Test
    void preBootRefusalsComeFromTheFleetAs400() {
        String id = "pre";
        api.configured(id);
        api.put("/vms/" + id + "/drives/d", "{\"drive_id\":\"d\",\"path_on_host\":\"" + api.rootfs + "\",\"is_root_device\":true}").noContent();
        assertEquals(TestFleet.NOT_SUPPORTED_BEFORE_BOOT, api.patch("/vms/" + id + "/drives/d", "{\"drive_id\":\"d\"}").fault(400));
        assertEquals(TestFleet.NOT_SUPPORTED_BEFORE_BOOT, api.patch("/vms/" + id + "/vm", "{\"state\":\"Paused\"}").fault(400));
        assertEquals(TestFleet.NOT_SUPPORTED_BEFORE_BOOT, api.put("/vms/" + id + "/actions", "{\"action_type\":\"SendCtrlAltDel\"}").fault(400));
        assertEquals(TestFleet.NOT_SUPPORTED_BEFORE_BOOT, api.put("/vms/" + id + "/actions", "{\"action_type\":\"FlushMetrics\"}").fault(400));
    }

    @Test
    void instanceStartWithoutBootSourceIsRefused() {
        api.put("/vms/nokernel/machine-config", "{\"vcpu_count\":1,\"mem_size_mib\":128}").noContent();
        api.put("/vms/nokernel/actions", "{\"action_type\":\"InstanceStart\"}").refuses(400, "boot-source");
    }

    @Test
    void postBootRefusalsComeFromTheFleetAs400() {
        String id = "post";
        api.configured(id);
        api.put("/vms/" + id + "/drives/d", "{\"drive_id\":\"d\",\"path_on_host\":\"" + api.rootfs + "\",\"is_root_device\":true}").noContent();
        api.put("/vms/" + id + "/actions", "{\"action_type\":\"InstanceStart\"}").noContent();
        String after = TestFleet.NOT_SUPPORTED_AFTER_BOOT;
        assertEquals(after, api.put("/vms/" + id + "/machine-config", "{\"vcpu_count\":1,\"mem_size_mib\":128}").fault(400));
        assertEquals(after, api.patch("/vms/" + id + "/machine-config", "{\"vcpu_count\":1}").fault(400));
        assertEquals(after, api.put("/vms/" + id + "/boot-source", "{\"kernel_image_path\":\"" + api.kernel + "\"}").fault(400));
        assertEquals(after, api.put("/vms/" + id + "/drives/d", "{\"drive_id\":\"d\",\"path_on_host\":\"" + api.rootfs
                + "\",\"is_root_device\":true}").fault(400));
        assertEquals(after, api.put("/vms/" + id + "/network-interfaces/e", "{\"iface_id\":\"e\",\"host_dev_name\":\"tap9\"}").fault(400));
        assertEquals(after, api.put("/vms/" + id + "/vsock", "{\"guest_cid\":5,\"uds_path\":\"" + api.root.resolve("x") + "\"}").fault(400));
        assertEquals(after, api.put("/vms/" + id + "/entropy", "{}").fault(400));
        assertEquals(after, api.put("/vms/" + id + "/balloon", "{\"amount_mib\":1,\"deflate_on_oom\":false}").fault(400));
        assertEquals(after, api.put("/vms/" + id + "/logger", "{\"log_path\":\"" + api.root.resolve("l2") + "\"}").fault(400));
        assertEquals(after, api.put("/vms/" + id + "/metrics", "{\"metrics_path\":\"" + api.root.resolve("m2") + "\"}").fault(400));
        assertEquals(after, api.put("/vms/" + id + "/actions", "{\"action_type\":\"InstanceStart\"}").fault(400));
        api.patch("/vms/" + id + "/vm", "{\"state\":\"Resumed\"}").refuses(400, "not paused");
        // what is allowed after boot: drive swap and rate limiters
        api.patch("/vms/" + id + "/drives/d", "{\"drive_id\":\"d\",\"path_on_host\":\"" + api.initrd
                + "\",\"rate_limiter\":{\"bandwidth\":{\"size\":100,\"refill_time\":10,\"one_time_burst\":5}}}").noContent();
        JsonNode drive = api.get("/vms/" + id + "/config").json().get("drives").get(0);
        assertEquals(api.initrd.toString(), drive.get("path_on_host").asText());
        assertTrue(drive.get("is_root_device").asBoolean(), "PATCH keeps what it does not name");
        assertEquals(5, drive.get("rate_limiter").get("bandwidth").get("one_time_burst").asInt());
        api.patch("/vms/" + id + "/drives/nope", "{\"drive_id\":\"nope\"}").refuses(400, "no drive");
    }

    @Test
    void networkInterfaceRateLimitersArePatchedAfterBoot() {
        String id = "netpatch";
        api.configured(id);
        api.put("/vms/" + id + "/network-interfaces/eth0", "{\"iface_id\":\"eth0\",\"host_dev_name\":\"tap7\"}").noContent();
        api.put("/vms/" + id + "/actions", "{\"action_type\":\"InstanceStart\"}").noContent();
        api.patch("/vms/" + id + "/network-interfaces/eth0", "{\"iface_id\":\"eth0\",\"rx_rate_limiter\":{\"ops\":{\"size\":10,\"refill_time\":1000}}}")
                .noContent();
        JsonNode nic = api.get("/vms/" + id + "/config").json().get("network-interfaces").get(0);
        assertEquals("tap7", nic.get("host_dev_name").asText());
        assertEquals(10, nic.get("rx_rate_limiter").get("ops").get("size").asInt());
        api.patch("/vms/" + id + "/network-interfaces/eth1", "{\"iface_id\":\"eth1\"}").refuses(400, "no network interface");
        assertTrue(api.patch("/vms/" + id + "/network-interfaces/eth0", "{\"iface_id\":\"eth0\",\"host_dev_name\":\"tap8\"}").fault(400)
                .contains("host_dev_name"), "PartialNetworkInterface has no host_dev_name");
    }

    @Test
    void balloonGetPatchAndStatistics() {
        String id = "bal";
        assertTrue(api.get("/vms/nobal-x/balloon").status() == 404);
        api.configured(id);
        api.get("/vms/" + id + "/balloon").refuses(400, "no balloon");
        api.put("/vms/" + id + "/balloon", "{\"amount_mib\":32,\"deflate_on_oom\":false}").noContent();
        JsonNode b = api.get("/vms/" + id + "/balloon").json();
        assertEquals(32, b.get("amount_mib").asInt());
        assertEquals(0, b.get("stats_polling_interval_s").asInt());
        api.get("/vms/" + id + "/balloon/statistics").refuses(400, "not enabled");
        api.patch("/vms/" + id + "/balloon/statistics", "{\"stats_polling_interval_s\":5}").noContent(); // pre-boot: may switch on
        assertEquals(TestFleet.NOT_SUPPORTED_BEFORE_BOOT, api.get("/vms/" + id + "/balloon/statistics").fault(400));
        api.put("/vms/" + id + "/actions", "{\"action_type\":\"InstanceStart\"}").noContent();
        api.patch("/vms/" + id + "/balloon", "{\"amount_mib\":48}").noContent();
        b = api.get("/vms/" + id + "/balloon").json();
        assertEquals(48, b.get("amount_mib").asInt());
        assertEquals(5, b.get("stats_polling_interval_s").asInt(), "PATCH /balloon keeps the interval");
        JsonNode stats = api.get("/vms/" + id + "/balloon/statistics").json();
        assertEquals(48, stats.get("target_mib").asInt());
        assertEquals(48 * 256, stats.get("actual_pages").asInt());
        assertEquals(1024, stats.get("free_memory").asInt());
        assertFalse(stats.has("swap_in"), "statistics the guest did not report are left out");
        api.patch("/vms/" + id + "/balloon/statistics", "{\"stats_polling_interval_s\":2}").noContent();
        api.patch("/vms/" + id + "/balloon/statistics", "{\"stats_polling_interval_s\":0}").refuses(400, "after boot");
        api.patch("/vms/" + id + "/balloon", "{}").refuses(400, "amount_mib");
    }
}
