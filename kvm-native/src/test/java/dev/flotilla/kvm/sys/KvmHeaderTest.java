package dev.flotilla.kvm.sys;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole ioctl table and every struct size/offset this module relies on, compared with what the C
 * compiler computes from {@code <linux/kvm.h>}. Skipped (assumption) only when gcc or the header is
 * missing: install gcc and linux-libc-dev.
 */
class KvmHeaderTest {

    @TempDir
    static Path dir;

    /** Java value and C expression, by label. */
    private static final Map<String, long[]> javaValues = new LinkedHashMap<>();
    private static final Map<String, String> cExpressions = new LinkedHashMap<>();
    private static Map<String, Long> fromC;

    private static void check(String label, long javaValue, String cExpression) {
        javaValues.put(label, new long[] {javaValue});
        cExpressions.put(label, cExpression);
    }

    @BeforeAll
    static void compileAndRun() throws Exception {
        assumeTrue(Files.exists(Path.of("/usr/include/linux/kvm.h")),
                "no /usr/include/linux/kvm.h: install linux-libc-dev to check the ioctl table against it");
        assumeTrue(onPath("gcc"), "no gcc: install it to check the ioctl table against <linux/kvm.h>");
        for (Field f : KvmIoctls.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && f.getType() == long.class && f.getName().startsWith("KVM_")) {
                check(f.getName(), f.getLong(null), f.getName());
            }
        }
        structChecks();
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <linux/kvm.h>\nint main(void){\n");
        for (var e : cExpressions.entrySet()) {
            c.append("printf(\"%s=%llu\\n\", \"").append(e.getKey()).append("\", (unsigned long long)(")
                    .append(e.getValue()).append("));\n");
        }
        c.append("return 0;}\n");
        Path src = dir.resolve("kvmcheck.c"), bin = dir.resolve("kvmcheck");
        Files.writeString(src, c);
        String compile = run(List.of("gcc", "-o", bin.toString(), src.toString()));
        fromC = new LinkedHashMap<>();
        for (String line : run(List.of(bin.toString())).split("\n")) {
            if (line.isBlank()) continue;
            int eq = line.indexOf('=');
            fromC.put(line.substring(0, eq), Long.parseUnsignedLong(line.substring(eq + 1)));
        }
        assertEquals(cExpressions.size(), fromC.size(), "C program output incomplete; compile said: " + compile);
    }

    private static void structChecks() {
        check("sizeof kvm_regs", KvmStructs.KVM_REGS_SIZE, "sizeof(struct kvm_regs)");
        check("sizeof kvm_sregs", KvmStructs.KVM_SREGS_SIZE, "sizeof(struct kvm_sregs)");
        check("sizeof kvm_segment", RegsLayout.KVM_SEGMENT_SIZE, "sizeof(struct kvm_segment)");
        check("kvm_sregs.gdt", RegsLayout.SREGS_GDT, "offsetof(struct kvm_sregs, gdt)");
        check("kvm_sregs.idt", RegsLayout.SREGS_IDT, "offsetof(struct kvm_sregs, idt)");
        check("kvm_sregs.cr0", RegsLayout.SREGS_CR0, "offsetof(struct kvm_sregs, cr0)");
        check("kvm_sregs.efer", RegsLayout.SREGS_EFER, "offsetof(struct kvm_sregs, efer)");
        check("kvm_sregs.apic_base", RegsLayout.SREGS_APIC_BASE, "offsetof(struct kvm_sregs, apic_base)");
        check("kvm_sregs.interrupt_bitmap", RegsLayout.SREGS_INTERRUPT_BITMAP, "offsetof(struct kvm_sregs, interrupt_bitmap)");
        check("kvm_segment.unusable", 22, "offsetof(struct kvm_segment, unusable)");
        check("kvm_regs.rip", 128, "offsetof(struct kvm_regs, rip)");
        check("sizeof kvm_fpu", KvmStructs.KVM_FPU_SIZE, "sizeof(struct kvm_fpu)");
        check("kvm_fpu.fcw", RegsLayout.FPU_FCW, "offsetof(struct kvm_fpu, fcw)");
        check("kvm_fpu.mxcsr", RegsLayout.FPU_MXCSR, "offsetof(struct kvm_fpu, mxcsr)");
        check("sizeof kvm_lapic_state", KvmStructs.KVM_LAPIC_STATE_SIZE, "sizeof(struct kvm_lapic_state)");
        check("sizeof kvm_mp_state", KvmStructs.KVM_MP_STATE_SIZE, "sizeof(struct kvm_mp_state)");
        check("sizeof kvm_cpuid2", KvmStructs.KVM_CPUID2_HEADER, "sizeof(struct kvm_cpuid2)");
        check("sizeof kvm_cpuid_entry2", KvmStructs.KVM_CPUID_ENTRY2_SIZE, "sizeof(struct kvm_cpuid_entry2)");
        check("sizeof kvm_msrs", KvmStructs.KVM_MSRS_HEADER, "sizeof(struct kvm_msrs)");
        check("sizeof kvm_msr_entry", KvmStructs.KVM_MSR_ENTRY_SIZE, "sizeof(struct kvm_msr_entry)");
        check("sizeof kvm_userspace_memory_region", KvmStructs.KVM_USERSPACE_MEMORY_REGION_SIZE,
                "sizeof(struct kvm_userspace_memory_region)");
        check("kvm_userspace_memory_region.userspace_addr", 24, "offsetof(struct kvm_userspace_memory_region, userspace_addr)");
        check("sizeof kvm_pit_config", KvmStructs.KVM_PIT_CONFIG_SIZE, "sizeof(struct kvm_pit_config)");
        check("KVM_PIT_SPEAKER_DUMMY", KvmStructs.KVM_PIT_SPEAKER_DUMMY, "KVM_PIT_SPEAKER_DUMMY");
        check("sizeof kvm_irq_level", KvmStructs.KVM_IRQ_LEVEL_SIZE, "sizeof(struct kvm_irq_level)");
        check("sizeof kvm_ioeventfd", KvmStructs.KVM_IOEVENTFD_SIZE, "sizeof(struct kvm_ioeventfd)");
        check("kvm_ioeventfd.flags", 24, "offsetof(struct kvm_ioeventfd, flags)");
        check("KVM_IOEVENTFD_FLAG_DATAMATCH", KvmStructs.KVM_IOEVENTFD_FLAG_DATAMATCH, "KVM_IOEVENTFD_FLAG_DATAMATCH");
        check("KVM_IOEVENTFD_FLAG_PIO", KvmStructs.KVM_IOEVENTFD_FLAG_PIO, "KVM_IOEVENTFD_FLAG_PIO");
        check("KVM_IOEVENTFD_FLAG_DEASSIGN", KvmStructs.KVM_IOEVENTFD_FLAG_DEASSIGN, "KVM_IOEVENTFD_FLAG_DEASSIGN");
        check("sizeof kvm_irqfd", KvmStructs.KVM_IRQFD_SIZE, "sizeof(struct kvm_irqfd)");
        check("KVM_IRQFD_FLAG_DEASSIGN", KvmStructs.KVM_IRQFD_FLAG_DEASSIGN, "KVM_IRQFD_FLAG_DEASSIGN");
        check("sizeof kvm_translation", KvmStructs.KVM_TRANSLATION_SIZE, "sizeof(struct kvm_translation)");
        check("kvm_translation.physical_address", KvmStructs.KVM_TRANSLATION_PHYSICAL, "offsetof(struct kvm_translation, physical_address)");
        check("kvm_translation.valid", KvmStructs.KVM_TRANSLATION_VALID, "offsetof(struct kvm_translation, valid)");
        check("sizeof kvm_msi", KvmStructs.KVM_MSI_SIZE, "sizeof(struct kvm_msi)");
        check("kvm_signal_mask.sigset", 4, "offsetof(struct kvm_signal_mask, sigset)");
        check("sizeof kvm_vcpu_events", KvmStructs.KVM_VCPU_EVENTS_SIZE, "sizeof(struct kvm_vcpu_events)");
        check("sizeof kvm_xsave", KvmStructs.KVM_XSAVE_SIZE, "sizeof(struct kvm_xsave)");
        check("sizeof kvm_xcrs", KvmStructs.KVM_XCRS_SIZE, "sizeof(struct kvm_xcrs)");
        check("sizeof kvm_debugregs", KvmStructs.KVM_DEBUGREGS_SIZE, "sizeof(struct kvm_debugregs)");
        check("sizeof kvm_irqchip", KvmStructs.KVM_IRQCHIP_SIZE, "sizeof(struct kvm_irqchip)");
        check("KVM_IRQCHIP_IOAPIC", KvmStructs.KVM_IRQCHIP_IOAPIC, "KVM_IRQCHIP_IOAPIC");
        check("sizeof kvm_pit_state2", KvmStructs.KVM_PIT_STATE2_SIZE, "sizeof(struct kvm_pit_state2)");
        check("sizeof kvm_clock_data", KvmStructs.KVM_CLOCK_DATA_SIZE, "sizeof(struct kvm_clock_data)");
        check("KVM_MP_STATE_HALTED", KvmStructs.KVM_MP_STATE_HALTED, "KVM_MP_STATE_HALTED");

        check("kvm_run.immediate_exit", KvmRunLayout.IMMEDIATE_EXIT, "offsetof(struct kvm_run, immediate_exit)");
        check("kvm_run.exit_reason", KvmRunLayout.EXIT_REASON, "offsetof(struct kvm_run, exit_reason)");
        check("kvm_run.flags", KvmRunLayout.FLAGS, "offsetof(struct kvm_run, flags)");
        check("kvm_run.cr8", KvmRunLayout.CR8, "offsetof(struct kvm_run, cr8)");
        check("kvm_run.apic_base", KvmRunLayout.APIC_BASE, "offsetof(struct kvm_run, apic_base)");
        check("kvm_run.io.direction", KvmRunLayout.IO_DIRECTION, "offsetof(struct kvm_run, io.direction)");
        check("kvm_run.io.size", KvmRunLayout.IO_SIZE, "offsetof(struct kvm_run, io.size)");
        check("kvm_run.io.port", KvmRunLayout.IO_PORT, "offsetof(struct kvm_run, io.port)");
        check("kvm_run.io.count", KvmRunLayout.IO_COUNT, "offsetof(struct kvm_run, io.count)");
        check("kvm_run.io.data_offset", KvmRunLayout.IO_DATA_OFFSET, "offsetof(struct kvm_run, io.data_offset)");
        check("kvm_run.mmio.phys_addr", KvmRunLayout.MMIO_PHYS_ADDR, "offsetof(struct kvm_run, mmio.phys_addr)");
        check("kvm_run.mmio.data", KvmRunLayout.MMIO_DATA, "offsetof(struct kvm_run, mmio.data)");
        check("kvm_run.mmio.len", KvmRunLayout.MMIO_LEN, "offsetof(struct kvm_run, mmio.len)");
        check("kvm_run.mmio.is_write", KvmRunLayout.MMIO_IS_WRITE, "offsetof(struct kvm_run, mmio.is_write)");
        check("kvm_run.fail_entry.cpu", KvmRunLayout.FAIL_ENTRY_CPU, "offsetof(struct kvm_run, fail_entry.cpu)");
        check("kvm_run.internal.suberror", KvmRunLayout.INTERNAL_SUBERROR, "offsetof(struct kvm_run, internal.suberror)");
        check("kvm_run.internal.ndata", KvmRunLayout.INTERNAL_NDATA, "offsetof(struct kvm_run, internal.ndata)");
        check("kvm_run.internal.data", KvmRunLayout.INTERNAL_DATA, "offsetof(struct kvm_run, internal.data)");
        check("kvm_run.emulation_failure.flags", KvmRunLayout.INTERNAL_DATA, "offsetof(struct kvm_run, emulation_failure.flags)");
        check("kvm_run.emulation_failure.insn_size", KvmRunLayout.INTERNAL_DATA + 8, "offsetof(struct kvm_run, emulation_failure.insn_size)");
        check("kvm_run.system_event.type", KvmRunLayout.SYSTEM_EVENT_TYPE, "offsetof(struct kvm_run, system_event.type)");
        check("kvm_run.system_event.ndata", KvmRunLayout.SYSTEM_EVENT_NDATA, "offsetof(struct kvm_run, system_event.ndata)");
        check("kvm_run.system_event.data", KvmRunLayout.SYSTEM_EVENT_DATA, "offsetof(struct kvm_run, system_event.data)");
        check("KVM_EXIT_INTERNAL_ERROR", KvmRunLayout.KVM_EXIT_INTERNAL_ERROR, "KVM_EXIT_INTERNAL_ERROR");
        check("KVM_EXIT_SYSTEM_EVENT", KvmRunLayout.KVM_EXIT_SYSTEM_EVENT, "KVM_EXIT_SYSTEM_EVENT");
        check("KVM_EXIT_FAIL_ENTRY", KvmRunLayout.KVM_EXIT_FAIL_ENTRY, "KVM_EXIT_FAIL_ENTRY");
        check("KVM_EXIT_INTR", KvmRunLayout.KVM_EXIT_INTR, "KVM_EXIT_INTR");
        check("KVM_EXIT_MMIO", KvmRunLayout.KVM_EXIT_MMIO, "KVM_EXIT_MMIO");
    }

    @Test
    void everyIoctlNumberMatchesTheHeader() {
        List<String> wrong = new ArrayList<>();
        for (var e : javaValues.entrySet()) {
            if (!e.getKey().startsWith("KVM_") || e.getKey().startsWith("KVM_EXIT") || !cExpressions.get(e.getKey()).equals(e.getKey())) continue;
            long c = fromC.get(e.getKey());
            if (c != e.getValue()[0]) wrong.add("%s: java 0x%x, C 0x%x".formatted(e.getKey(), e.getValue()[0], c));
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void everyStructSizeAndOffsetMatchesTheHeader() {
        List<String> wrong = new ArrayList<>();
        for (var e : javaValues.entrySet()) {
            long c = fromC.get(e.getKey());
            if (c != e.getValue()[0]) wrong.add("%s: java %d, C %d".formatted(e.getKey(), e.getValue()[0], c));
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertTrue(javaValues.size() > 100, "the comparison covered only " + javaValues.size() + " values");
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
        assertEquals(0, p.exitValue(), cmd + " failed:\n" + out);
        return out;
    }
}
