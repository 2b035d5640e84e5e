package dev.flotilla.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.FishingOutcomes;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import dev.flotilla.kvm.Kvm;
import dev.flotilla.kvm.KvmAvailability;
import dev.flotilla.kvm.x86.boot.BootProtocol;
import dev.flotilla.vm.EndReason;
import dev.flotilla.vm.MicroVm;
import dev.flotilla.vm.VmBuilder;
import dev.flotilla.vm.VmInfo;
import dev.flotilla.vm.VmState;
import dev.flotilla.vm.config.BootSource;
import dev.flotilla.vm.config.CpuTemplate;
import dev.flotilla.vm.config.HugePages;
import dev.flotilla.vm.config.MachineConfig;
import dev.flotilla.vm.config.VmSpec;
import dev.flotilla.vm.console.ConsoleSink;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Debian's cloud kernel on Flotilla. With hardware virtualization it must reach the initramfs's /init
 * ({@code flotilla-init: ready}) and power off. On a kvm_pvm host it cannot (KVM's emulator stops it
 * early), so there the test pins what the host allows: the kernel's own early log shows it accepted our
 * command line, our e820 map and our ACPI tables, and the VM then ends with the emulation failure
 * reported — never a hang. The artifacts come from ops/bin/fetch-linux-guest (.ci/run fetches them).
 */
class LinuxEarlyBootIT {

    private static final String CMDLINE = "console=ttyS0 earlyprintk=serial,ttyS0,115200 reboot=k panic=-1 "
            + "i8042.noaux i8042.nomux i8042.dumbkbd flotilla.it=early-boot";

    private static ActorTestKit testKit;
    private static Kvm kvm;
    private static LinuxGuest linux;

    @BeforeAll
    static void setUp() {
        KvmAvailability a = Kvm.availability();
        if (!a.usable()) System.err.println("SKIPPING Linux boot IT: " + a.describe());
        assumeTrue(a.usable(), a::describe);
        linux = LinuxGuest.find().orElseThrow(() -> new IllegalStateException(
                "the Debian guest kernel is not cached: run " + LinuxGuest.FETCH_COMMAND + " (.ci/run does)"));
        testKit = ActorTestKit.create();
        kvm = Kvm.open();
    }

    @AfterAll
    static void tearDown() {
        if (testKit != null) testKit.shutdownTestKit();
        if (kvm != null) kvm.close();
    }

    @ParameterizedTest(name = "{0} vCPU(s)")
    @ValueSource(ints = {1, 2, 4})
    void debianKernelBootsAsFarAsTheHostAllows(int vcpus) throws Exception {
        boolean pvm = Kvm.availability().status() == KvmAvailability.Status.PVM;
        // One vCPU count is enough to pin the early-boot facts under the emulator (each run takes ~30 s).
        assumeTrue(!pvm || vcpus == 1, "kvm_pvm host: the early-boot check runs once, with 1 vCPU");
        String id = "linux-" + vcpus;
        // A block device, a vsock device and (where TAPs can be made) a network interface, which Debian's
        // kernel can only find through the ACPI DSDT (it has no virtio_mmio command-line devices).
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("flotilla-linux-it");
        java.nio.file.Path disk = dir.resolve("disk.img");
        java.nio.file.Files.write(disk, new byte[1 << 20]);
        java.util.List<dev.flotilla.vm.config.NetworkInterfaceConfig> nics = java.nio.file.Files.exists(java.nio.file.Path.of("/dev/net/tun"))
                ? java.util.List.of(new dev.flotilla.vm.config.NetworkInterfaceConfig("eth0", "flt-lx" + vcpus, Optional.empty(),
                        Optional.empty(), Optional.empty()))
                : java.util.List.of();
        var devices = new dev.flotilla.vm.config.VmDevices(
                java.util.List.of(new dev.flotilla.vm.config.DriveConfig("vda", disk, false, true, Optional.empty(), Optional.empty())),
                nics, Optional.of(new dev.flotilla.vm.config.VsockConfig(3, dir.resolve("v.sock"))), Optional.empty(), Optional.empty());
        VmSpec spec = new VmSpec(id, new MachineConfig(vcpus, 256, false, CpuTemplate.NONE, false, HugePages.NONE),
                new BootSource(linux.vmlinux(), Optional.of(linux.initrd()), CMDLINE), devices);
        int slots = devices.count();
        ConsoleSink console = ConsoleSink.inMemory();
        ActorRef<MicroVm.Command> vm = testKit.spawn(MicroVm.create(id, vcpus, 256,
                hooks -> VmBuilder.build(kvm, spec, BootProtocol.AUTO, console, hooks)), id);
        TestProbe<StatusReply<VmInfo>> started = testKit.createTestProbe();
        vm.tell(new MicroVm.Start(started.getRef()));
        assertTrue(started.receiveMessage(Duration.ofSeconds(30)).isSuccess());

        TestProbe<VmInfo> events = testKit.createTestProbe();
        vm.tell(new MicroVm.Subscribe(events.getRef()));
        VmInfo end;
        try {
            end = events.fishForMessage(Duration.ofSeconds(180), i -> i.ended()
                    ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0);
        } catch (AssertionError timeout) {
            throw new AssertionError("the Linux guest did not end within 180 s; console tail:\n" + console.tail(4000), timeout);
        }
        String log = console.snapshot();
        System.out.println("[linux] " + vcpus + " vCPU(s): " + end + "\n[linux] console lines: "
                + log.lines().count() + "\n" + console.tail(1500));

        // The kernel echoes the command line we wrote at 0x20000.
        assertContains(log, "Command line: " + CMDLINE);
        // Our e820 map: RAM below the EBDA, reserved MP/ACPI area, RAM from 1 MiB to the end of 256 MiB.
        assertMatches(log, "BIOS-e820: \\[mem 0x0000000000000000-0x000000000009fbff\\] usable");
        assertMatches(log, "BIOS-e820: \\[mem 0x0000000000100000-0x000000000fffffff\\] usable");
        // Our ACPI tables, found through the RSDP we placed at 0xE0000.
        assertMatches(log, "ACPI: RSDP 0x00000000000E0000");
        for (String table : new String[] {"XSDT", "FACP", "DSDT", "APIC"}) {
            assertMatches(log, "ACPI: " + table + " 0x[0-9A-F]{16}");
        }
        // The DSDT the kernel parsed is exactly ours with one LNRO0005 device per attached virtio device
        // (its content is byte-checked in DsdtTest / decompiled by iasl in AcpiIaslTest).
        java.util.List<dev.flotilla.kvm.x86.boot.VirtioSlot> expectedSlots = new java.util.ArrayList<>();
        for (int i = 0; i < slots; i++) expectedSlots.add(dev.flotilla.kvm.x86.boot.VirtioSlot.of(i));
        int dsdtLength = dev.flotilla.kvm.x86.acpi.Dsdt.build(expectedSlots).length;
        assertMatches(log, "ACPI: DSDT 0x[0-9A-F]{16} " + String.format("%06X", dsdtLength));
        if (pvm) {
            assertEquals(EndReason.Kind.EMULATION_FAILURE, end.endReason().kind(), end::toString);
            assertTrue(end.endReason().detail().contains("bytes "), "the failing instruction's bytes: " + end);
            assertEquals(VmState.FAILED, end.state());
        } else {
            assertContains(log, "flotilla-init: ready");
            // found through ACPI: the block device, and the vsock transport bound to its device
            assertMatches(log, "virtio_blk virtio\\d+: \\[vda\\]");
            assertTrue(end.endReason().kind().guestInitiated(), end::toString);
            assertTrue(end.bootMs() > 0, "the initramfs writes the boot timer");
        }
    }

    private static void assertContains(String log, String expected) {
        assertTrue(log.contains(expected), () -> "console lacks '" + expected + "':\n" + head(log));
    }

    private static void assertMatches(String log, String regex) {
        assertTrue(Pattern.compile(regex).matcher(log).find(), () -> "console lacks /" + regex + "/:\n" + head(log));
    }

    private static String head(String log) {
        return log.length() > 6000 ? log.substring(0, 6000) + "\n..." : log;
    }
}
