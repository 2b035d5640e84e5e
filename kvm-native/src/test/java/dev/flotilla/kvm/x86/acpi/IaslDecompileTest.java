package dev.flotilla.kvm.x86.acpi;

import dev.flotilla.kvm.x86.boot.VirtioSlot;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** Decompiles our tables with ACPICA's iasl (apt: acpica-tools); skipped when iasl is not installed. */
class IaslDecompileTest {

    @TempDir Path dir;

    static Path iasl() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(d, "iasl");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    private String decompile(String name, byte[] table) throws IOException, InterruptedException {
        Path iasl = iasl();
        Assumptions.assumeTrue(iasl != null, "iasl not installed (apt-get install acpica-tools); skipping");
        Path dat = dir.resolve(name + ".dat");
        Files.write(dat, table);
        Process p = new ProcessBuilder(iasl.toString(), "-d", dat.toString()).directory(dir.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "iasl timed out");
        assertEquals(0, p.exitValue(), out);
        assertFalse(out.contains("Error"), out);
        return Files.readString(dir.resolve(name + ".dsl"));
    }

    @Test
    void dsdtDecompilesToTheDevicesWeMeant() throws Exception {
        List<VirtioSlot> slots = IntStream.range(0, 3).mapToObj(VirtioSlot::of).toList();
        String dsl = decompile("dsdt", Dsdt.build(slots));
        assertTrue(dsl.contains("Scope (\\_SB)"), dsl);
        assertTrue(dsl.contains("Device (COM1)"), dsl);
        assertTrue(dsl.contains("EisaId (\"PNP0501\")"), dsl);
        assertTrue(dsl.contains("EisaId (\"PNP0303\")"), dsl);
        assertTrue(dsl.contains("IO (Decode16,") && dsl.contains("0x03F8"), dsl);
        assertTrue(dsl.contains("Device (V002)"), dsl);
        assertTrue(dsl.contains("\"LNRO0005\""), dsl);
        assertTrue(dsl.contains("Memory32Fixed (ReadWrite,") && dsl.contains("0xC0003000"), dsl);
        assertTrue(dsl.contains("Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )"), dsl);
        assertTrue(dsl.contains("0x00000007"), "GSI of slot 2: " + dsl);
    }

    @Test
    void dataTablesDecompileWithoutErrors() throws Exception {
        String fadt = decompile("facp", Fadt.build(0xa0000));
        assertTrue(fadt.contains("Hardware Reduced (V5) : 1"), fadt);
        assertTrue(fadt.contains("8042 Present on ports 60/64 (V2) : 1"), fadt);
        String madt = decompile("apic", Madt.build(3));
        assertEquals(3, madt.split("Processor Local APIC", -1).length - 1, madt);
        String xsdt = decompile("xsdt", Xsdt.build(List.of(0xa1000L, 0xa2000L)));
        assertTrue(xsdt.contains("00000000000A1000"), xsdt);
    }
}
