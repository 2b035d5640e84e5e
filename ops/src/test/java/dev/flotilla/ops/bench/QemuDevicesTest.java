package dev.flotilla.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuDevicesTest {

    @Test
    void theBootBenchmarksCommandWithAcpiOffModernVirtioAndTheDevicesAppended() {
        QemuCommand base = new QemuCommand("qemu-system-x86_64", 1, 128, Path.of("/g/probe.elf"), "console=ttyS0 probe.run=blkrand");
        List<String> argv = QemuDevices.argv(base, QemuDevices.readOnlyDisk(Path.of("/tmp/d.img"), "bench"));
        assertEquals("microvm,x-option-roms=off,pit=off,pic=off,rtc=off,isa-serial=on,acpi=off", argv.get(argv.indexOf("-M") + 1));
        assertFalse(String.join(" ", argv).contains("acpi=on"));
        List<String> expected = new ArrayList<>(base.argv());
        expected.set(expected.indexOf(QemuCommand.MACHINE), QemuDevices.MACHINE);
        assertEquals(expected, argv.subList(0, expected.size()), "everything else as ops/bin/qemu-probe has it");
        assertEquals(List.of("-global", "virtio-mmio.force-legacy=false", "-name", "flotilla-bench,debug-threads=on",
                "-drive", "id=d0,file=/tmp/d.img,format=raw,if=none,readonly=on", "-device", "virtio-blk-device,drive=d0,serial=bench"),
                argv.subList(expected.size(), argv.size()));
    }

    @Test
    void tapWithoutScripts() {
        List<String> a = QemuDevices.tap("fbtap0", "02:fb:00:00:00:02");
        assertTrue(a.contains("tap,id=n0,ifname=fbtap0,script=no,downscript=no"));
        assertTrue(a.contains("virtio-net-device,netdev=n0,mac=02:fb:00:00:00:02"));
    }
}
