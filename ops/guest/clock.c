/*
 * Microseconds since boot, for bounding the drivers' waits in time rather than in loop counts
 * (a loop runs ~1000x faster on hardware virtualization than under KVM's instruction emulator).
 *
 * KVM's paravirtual clock (kvmclock): we give KVM the address of a pvclock_vcpu_time_info through
 * MSR_KVM_SYSTEM_TIME_NEW and it keeps that record current; time = system_time + the TSC delta
 * scaled by (mul, shift). KVM handles the MSR in the kernel, whatever VMM runs us (QEMU, Flotilla,
 * Firecracker). Without KVM's CPUID signature and the CLOCKSOURCE2 feature bit (another
 * hypervisor) every reading advances a counter by a fixed step instead, so waits stay bounded.
 */
#include "probe.h"

#define KVM_CPUID_SIGNATURE   0x40000000u
#define KVM_CPUID_FEATURES    0x40000001u
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_SYSTEM_TIME_NEW  0x4b564d01u

struct pvclock {
    uint32_t version, pad0;
    uint64_t tsc_timestamp, system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags, pad[2];
};

static volatile struct pvclock pvclock __attribute__((aligned(64)));
static int have_kvmclock;
static uint64_t fallback_us;

#define FALLBACK_STEP_US 20   /* roughly one emulated poll iteration */

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

void clock_init(void)
{
    uint32_t r[4];
    cpuid(KVM_CPUID_SIGNATURE, r);
    /* "KVMKVMKVM\0\0\0" in ebx, ecx, edx */
    if (r[0] < KVM_CPUID_FEATURES || r[1] != 0x4b4d564b || r[2] != 0x564b4d56 || r[3] != 0x4d)
        return;
    cpuid(KVM_CPUID_FEATURES, r);
    if (!(r[0] & KVM_FEATURE_CLOCKSOURCE2))
        return;
    uint64_t pa = (uintptr_t)&pvclock | 1;   /* bit 0: enable */
    __asm__ volatile("wrmsr" : : "c"(MSR_KVM_SYSTEM_TIME_NEW), "a"((uint32_t)pa), "d"((uint32_t)(pa >> 32)));
    have_kvmclock = pvclock.version != 0;
}

int clock_is_kvmclock(void)
{
    return have_kvmclock;
}

uint64_t clock_us(void)
{
    if (!have_kvmclock)
        return fallback_us += FALLBACK_STEP_US;
    uint32_t version;
    uint64_t ns;
    do {
        version = pvclock.version;
        __asm__ volatile("" ::: "memory");
        uint64_t delta = rdtsc() - pvclock.tsc_timestamp;
        int8_t shift = pvclock.tsc_shift;
        delta = shift < 0 ? delta >> -shift : delta << shift;
        ns = pvclock.system_time + (uint64_t)(((unsigned __int128)delta * pvclock.tsc_to_system_mul) >> 32);
        __asm__ volatile("" ::: "memory");
    } while ((version & 1) || version != pvclock.version);
    return ns / 1000;
}
