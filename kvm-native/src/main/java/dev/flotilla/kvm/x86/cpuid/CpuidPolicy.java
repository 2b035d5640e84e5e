package dev.flotilla.kvm.x86.cpuid;

import dev.flotilla.kvm.x86.CpuidEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns KVM's supported CPUID (KVM_GET_SUPPORTED_CPUID) into the table one vCPU gets (KVM_SET_CPUID2):
 * its APIC ID and a topology of {@code vcpuCount} single-threaded cores in one package, consistent
 * across leaves 1, 4, 0xB and 0x1F; the hypervisor bit; no performance monitoring (leaf 0xA zero, no
 * turbo/energy-bias in leaf 6); AMD extended-topology and core perf-counter bits cleared in 0x80000001
 * (nothing behind them is emulated), and on AMD the core count in 0x80000008. Everything else, the KVM signature leaf included, passes through.
 * Pure: the same inputs give the same table.
 */
public final class CpuidPolicy {

    public static final int LEAF_FEATURES = 0x1;
    public static final int LEAF_CACHE_PARAMS = 0x4;
    public static final int LEAF_THERMAL_POWER = 0x6;
    public static final int LEAF_PERFMON = 0xa;
    public static final int LEAF_EXT_TOPOLOGY = 0xb;
    public static final int LEAF_V2_EXT_TOPOLOGY = 0x1f;
    public static final int LEAF_HYPERVISOR = 0x4000_0000;
    public static final int LEAF_EXT_FEATURES = 0x8000_0001;
    public static final int LEAF_ADDRESS_SIZES = 0x8000_0008;
    /** "AuthenticAMD" in leaf 0 EBX (the first four characters; Hygon's is "Hygo"). */
    static final int AMD_EBX = 0x6874_7541, HYGON_EBX = 0x6f67_7948;

    public static final int ECX_HYPERVISOR = 1 << 31;
    public static final int ECX_TSC_DEADLINE = 1 << 24;
    public static final int EDX_HTT = 1 << 28;
    public static final int CLFLUSH_LINE_QWORDS = 8;          // 64-byte lines
    public static final int LEAF6_EAX_TURBO = 1 << 1;
    public static final int LEAF6_ECX_ENERGY_BIAS = 1 << 3;
    public static final int EXT_ECX_TOPOEXT = 1 << 22;
    public static final int EXT_ECX_PERFCTR_CORE = 1 << 23;
    public static final int TOPOLOGY_LEVEL_SMT = 1, TOPOLOGY_LEVEL_CORE = 2;

    private CpuidPolicy() {}

    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int vcpuIndex, int vcpuCount) {
        if (vcpuCount < 1 || vcpuCount > 255) throw new IllegalArgumentException("vCPU count 1..255: " + vcpuCount);
        if (vcpuIndex < 0 || vcpuIndex >= vcpuCount) {
            throw new IllegalArgumentException("vCPU index %d outside 0..%d".formatted(vcpuIndex, vcpuCount - 1));
        }
        boolean amd = supported.stream().anyMatch(e -> e.function() == 0
                && (e.ebx() == AMD_EBX || e.ebx() == HYGON_EBX));
        List<CpuidEntry> out = new ArrayList<>(supported.size() + 4);
        boolean topologyDone = false, v2TopologyDone = false;
        for (CpuidEntry e : supported) {
            switch (e.function()) {
                case LEAF_FEATURES -> out.add(features(e, vcpuIndex, vcpuCount));
                case LEAF_CACHE_PARAMS -> out.add(cacheParams(e, vcpuCount));
                case LEAF_THERMAL_POWER -> out.add(e.withRegs(e.eax() & ~LEAF6_EAX_TURBO, e.ebx(),
                        e.ecx() & ~LEAF6_ECX_ENERGY_BIAS, e.edx()));
                case LEAF_PERFMON -> out.add(e.withRegs(0, 0, 0, 0));
                case LEAF_EXT_TOPOLOGY -> {
                    if (!topologyDone) out.addAll(topology(LEAF_EXT_TOPOLOGY, vcpuIndex, vcpuCount));
                    topologyDone = true;
                }
                case LEAF_V2_EXT_TOPOLOGY -> {
                    if (!v2TopologyDone) out.addAll(topology(LEAF_V2_EXT_TOPOLOGY, vcpuIndex, vcpuCount));
                    v2TopologyDone = true;
                }
                case LEAF_EXT_FEATURES -> out.add(e.withRegs(e.eax(), e.ebx(),
                        e.ecx() & ~(EXT_ECX_TOPOEXT | EXT_ECX_PERFCTR_CORE), e.edx()));
                case LEAF_ADDRESS_SIZES -> out.add(amd ? amdCoreCount(e, vcpuCount) : e);
                default -> out.add(e);
            }
        }
        return List.copyOf(out);
    }

    private static CpuidEntry features(CpuidEntry e, int index, int count) {
        int ebx = (index << 24) | ((count & 0xff) << 16) | (CLFLUSH_LINE_QWORDS << 8) | (e.ebx() & 0xff);
        int ecx = e.ecx() | ECX_HYPERVISOR | ECX_TSC_DEADLINE;   // KVM emulates the TSC deadline timer
        int edx = count > 1 ? e.edx() | EDX_HTT : e.edx() & ~EDX_HTT;
        return e.withRegs(e.eax(), ebx, ecx, edx);
    }

    /** Leaf 4: EAX[31:26] cores per package - 1; EAX[25:14] logical CPUs sharing the cache - 1. */
    private static CpuidEntry cacheParams(CpuidEntry e, int count) {
        int level = (e.eax() >>> 5) & 0x7;
        if ((e.eax() & 0x1f) == 0) return e;                   // "no more caches" terminator
        int sharing = level >= 3 ? count - 1 : 0;              // one thread per core: L1/L2 private
        int eax = (e.eax() & 0x3fff) | ((sharing & 0xfff) << 14) | (((count - 1) & 0x3f) << 26);
        return e.withRegs(eax, e.ebx(), e.ecx(), e.edx());
    }

    /** AMD leaf 0x80000008 ECX: NC (cores - 1) in bits 7:0, ApicIdCoreIdSize in bits 15:12. */
    private static CpuidEntry amdCoreCount(CpuidEntry e, int count) {
        int ecx = (e.ecx() & ~0xf0ff) | (coreShift(count) << 12) | ((count - 1) & 0xff);
        return e.withRegs(e.eax(), e.ebx(), ecx, e.edx());
    }

    /** Bits of APIC ID that number the cores: ceil(log2(count)). */
    static int coreShift(int count) {
        return 32 - Integer.numberOfLeadingZeros(Math.max(count - 1, 0));
    }

    /**
     * Leaf 0xB/0x1F subleaves: 0 = SMT (1 thread, shift 0), 1 = core (count cores, shift = bits for
     * count), 2 = invalid terminator. EDX is the x2APIC ID = vCPU index everywhere.
     */
    static List<CpuidEntry> topology(int leaf, int index, int count) {
        int coreShift = coreShift(count);
        int flags = CpuidEntry.FLAG_SIGNIFICANT_INDEX;
        return List.of(
                new CpuidEntry(leaf, 0, flags, 0, 1, (TOPOLOGY_LEVEL_SMT << 8), index),
                new CpuidEntry(leaf, 1, flags, coreShift, count, (TOPOLOGY_LEVEL_CORE << 8) | 1, index),
                new CpuidEntry(leaf, 2, flags, 0, 0, 2, index));
    }
}
