package dev.flotilla.ops.bench;

import dev.flotilla.kvm.Kvm;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The host a benchmark ran on, as printed at the top of its table. */
public record MachineInfo(String cpuModel, int cores, String kernel, String kvm, String qemuVersion, String javaRuntime,
                          String load) {

    public static MachineInfo collect(String qemuBinary) {
        return new MachineInfo(readCpuModel(), Runtime.getRuntime().availableProcessors(), readKernel(),
                Kvm.availability().status() + ": " + Kvm.availability().describe(), qemuVersion(qemuBinary),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                        + " (" + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()) + ")",
                loadAverage());
    }

    /** The model name from cpuinfo text, or "unknown". */
    static String cpuModel(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("model name")) {
                int colon = line.indexOf(':');
                if (colon > 0) return line.substring(colon + 1).trim();
            }
        }
        return "unknown";
    }

    private static String readCpuModel() {
        return cpuModel(readOr(Path.of("/proc/cpuinfo"), ""));
    }

    private static String readKernel() {
        return System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    static String loadAverage() {
        String s = readOr(Path.of("/proc/loadavg"), "").trim();
        String[] f = s.split("\\s+");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "unknown";
    }

    private static String qemuVersion(String binary) {
        try {
            Process p = new ProcessBuilder(List.of(binary, "--version")).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            String first = out.lines().findFirst().orElse("").trim();
            return first.isEmpty() ? "unknown" : first;
        } catch (IOException e) {
            return "not found (" + binary + ": " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static String readOr(Path p, String fallback) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return fallback;
        }
    }
}
