/*
 * minivmm — a deliberately tiny KVM loader that boots probe.elf the way the Flotilla VMM will,
 * so the guest's two entry contracts are exercised on real /dev/kvm before that VMM exists:
 *   linux64 (default): Firecracker's x86_64 layout — PT_LOADs at their physical addresses, GDT at
 *     0x500, identity map of the first GiB at 0x9000, zero page at 0x7000 (e820, cmdline at
 *     0x20000, acpi_rsdp_addr), long mode, CS 0x08, RSI = zero page, entry = e_entry.
 *   --pvh: hvm_start_info (version 1, memmap) at 0x6000, 32-bit protected mode, paging off,
 *     EBX = start info, entry = the Xen PHYS32_ENTRY note.
 * ACPI: RSDP (revision 2) at 0xe0000 -> XSDT -> MADT with --cpus enabled entries (type 0, or
 * type 9 with --x2apic) plus one disabled entry the guest must not count.
 * Devices: COM1 (output to stdout, LSR always ready), i8042 reset, boot timer at 0xc000_0000,
 * optionally one virtio-mmio page that answers its identification registers (--virtio), or a
 * virtio-vsock device model at 0xc0001000 (--vsock CID:GUEST_PORT:HOST_PORT:BYTES, test/vsockdev.c).
 * Exit status: 0 i8042 reset, 3 shutdown (triple fault), 4 hlt, 5 emulation failure, 1 error.
 * Test tooling only: no interrupts, no irqchip unless --irqchip, one vCPU runs however many the
 * MADT announces (unless --start-all).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZERO_PAGE   0x7000
#define START_INFO  0x6000
#define MEMMAP      0x6100
#define GDT_ADDR    0x500
#define PML4_ADDR   0x9000
#define CMDLINE     0x20000
#define RSDP_ADDR   0xe0000
#define XSDT_ADDR   0xe1000
#define MADT_ADDR   0xe2000
#define BOOT_TIMER  0xc0000000ull

static uint8_t *mem;
static uint64_t mem_size;

static void die(const char *what)
{
    fprintf(stderr, "minivmm: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *gpa(uint64_t a, uint64_t len)
{
    if (a > mem_size || len > mem_size - a) {
        fprintf(stderr, "minivmm: guest address 0x%llx+0x%llx outside %llu MiB of RAM\n",
                (unsigned long long)a, (unsigned long long)len, (unsigned long long)(mem_size >> 20));
        exit(1);
    }
    return mem + a;
}

static void put8(uint64_t a, uint8_t v) { memcpy(gpa(a, 1), &v, 1); }
static void put16(uint64_t a, uint16_t v) { memcpy(gpa(a, 2), &v, 2); }
static void put32(uint64_t a, uint32_t v) { memcpy(gpa(a, 4), &v, 4); }
static void put64(uint64_t a, uint64_t v) { memcpy(gpa(a, 8), &v, 8); }

static void checksum(uint64_t a, unsigned len, unsigned at)
{
    uint8_t *p = gpa(a, len), s = 0;
    p[at] = 0;
    for (unsigned i = 0; i < len; i++)
        s += p[i];
    p[at] = (uint8_t)-s;
}

static void sdt_header(uint64_t a, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(gpa(a, 36), sig, 4);
    put32(a + 4, len);
    put8(a + 8, rev);
    memcpy(gpa(a + 10, 6), "FLOTIL", 6);
    memcpy(gpa(a + 16, 8), "MINIVMM ", 8);
}

static void write_acpi(int cpus, int x2apic)
{
    /* MADT: header, local APIC address, flags, then entries */
    uint64_t e = MADT_ADDR + 44;
    for (int i = 0; i <= cpus; i++) {
        uint32_t enabled = i < cpus;     /* the last one is present but disabled */
        if (x2apic) {
            put8(e, 9); put8(e + 1, 16); put16(e + 2, 0);
            put32(e + 4, i); put32(e + 8, enabled); put32(e + 12, i);
            e += 16;
        } else {
            put8(e, 0); put8(e + 1, 8); put8(e + 2, i); put8(e + 3, i); put32(e + 4, enabled);
            e += 8;
        }
    }
    put8(e, 1); put8(e + 1, 12); put8(e + 2, 0); put8(e + 3, 0);   /* an IOAPIC entry to skip */
    put32(e + 4, 0xfec00000); put32(e + 8, 0);
    e += 12;
    sdt_header(MADT_ADDR, "APIC", (uint32_t)(e - MADT_ADDR), 4);
    put32(MADT_ADDR + 36, 0xfee00000);
    checksum(MADT_ADDR, (unsigned)(e - MADT_ADDR), 9);

    sdt_header(XSDT_ADDR, "XSDT", 36 + 8, 1);
    put64(XSDT_ADDR + 36, MADT_ADDR);
    checksum(XSDT_ADDR, 44, 9);

    memcpy(gpa(RSDP_ADDR, 36), "RSD PTR ", 8);
    memcpy(gpa(RSDP_ADDR + 9, 6), "FLOTIL", 6);
    put8(RSDP_ADDR + 15, 2);
    put32(RSDP_ADDR + 20, 36);
    put64(RSDP_ADDR + 24, XSDT_ADDR);
    checksum(RSDP_ADDR, 20, 8);
    checksum(RSDP_ADDR, 36, 32);
}

/* Intel MP table where Firecracker puts it: floating pointer at 0x9fc00, config table after it. */
static void write_mptable(int cpus)
{
    const uint64_t fp = 0x9fc00, ct = fp + 16;
    uint64_t e = ct + 44;
    for (int i = 0; i <= cpus; i++) {          /* the last processor is present but disabled */
        memset(gpa(e, 20), 0, 20);
        put8(e, 0); put8(e + 1, i); put8(e + 2, 0x14); put8(e + 3, (i < cpus) | (i == 0 ? 2 : 0));
        e += 20;
    }
    memset(gpa(e, 8), 0, 8);
    put8(e, 2); put8(e + 1, 0); put8(e + 2, 0x11); put8(e + 3, 1); put32(e + 4, 0xfec00000);
    e += 8;
    memcpy(gpa(ct, 44), "PCMP", 4);
    put16(ct + 4, (uint16_t)(e - ct));
    put8(ct + 6, 4);
    memcpy(gpa(ct + 8, 20), "FLOTILLAMINIVMM     ", 20);
    put16(ct + 34, (uint16_t)(cpus + 2));
    put32(ct + 36, 0xfee00000);
    checksum(ct, (unsigned)(e - ct), 7);
    memcpy(gpa(fp, 16), "_MP_", 4);
    put32(fp + 4, (uint32_t)ct);
    put8(fp + 8, 1);
    put8(fp + 9, 4);
    checksum(fp, 16, 10);
}

/* Loads PT_LOADs; returns e_entry, and the PVH note's entry in *pvh (0 if none). */
static uint64_t load_elf(const char *path, uint64_t *pvh)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die(path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        die("fstat");
    uint8_t *f = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (f == MAP_FAILED)
        die("mmap kernel");
    Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
    if (st.st_size < (off_t)sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_machine != EM_X86_64) {
        fprintf(stderr, "minivmm: %s is not an x86_64 ELF\n", path);
        exit(1);
    }
    *pvh = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr *ph = (Elf64_Phdr *)(f + eh->e_phoff + (uint64_t)i * eh->e_phentsize);
        if (ph->p_type == PT_LOAD) {
            memcpy(gpa(ph->p_paddr, ph->p_memsz), f + ph->p_offset, ph->p_filesz);
        } else if (ph->p_type == PT_NOTE) {
            for (uint64_t o = ph->p_offset; o + 12 <= ph->p_offset + ph->p_filesz;) {
                Elf64_Nhdr *n = (Elf64_Nhdr *)(f + o);
                uint64_t name = o + 12, desc = name + ((n->n_namesz + 3) & ~3u);
                if (n->n_namesz == 4 && !memcmp(f + name, "Xen", 4) && n->n_type == 18)
                    *pvh = *(uint32_t *)(f + desc);
                o = desc + ((n->n_descsz + 3) & ~3u);
            }
        }
    }
    return eh->e_entry;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, int code, int l, int db)
{
    memset(s, 0, sizeof *s);
    s->base = 0; s->limit = 0xffffffff; s->selector = sel;
    s->type = code ? 0xb : 0x3; s->present = 1; s->dpl = 0; s->db = db; s->s = 1; s->l = l; s->g = 1;
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

#define MAX_VCPUS 8

struct vcpu {
    int id, fd, status;
    struct kvm_run *run;
    const char *why;
    char why_buf[160];
    unsigned long io_exits, mmio_exits, steps;
};
static struct vcpu vcpus[MAX_VCPUS];
static uint64_t virtio_base;        /* --virtio BASE:ID: a virtio-mmio register page that only identifies itself */
static uint32_t virtio_id;
#define VSOCK_BASE 0xc0001000ull
static int vsock;                   /* --vsock: the device model of test/vsockdev.c at VSOCK_BASE */
void vsockdev_init(uint8_t *mem, uint64_t mem_size, uint64_t cid, uint32_t guest_port, uint32_t host_port, uint32_t bytes);
void vsockdev_mmio(uint64_t off, int is_write, uint8_t *data, unsigned len);
void vsockdev_report(void);

static uint32_t virtio_read(uint64_t off)
{
    switch (off) {
    case 0x000: return 0x74726976;     /* MagicValue "virt" */
    case 0x004: return 2;              /* Version: virtio 1.x */
    case 0x008: return virtio_id;      /* DeviceID */
    case 0x00c: return 0x4c4f4c46;     /* VendorID */
    default:    return 0;
    }
}
static double t_run, t_timer;
static unsigned long steps_at_timer;
static pthread_mutex_t io_lock = PTHREAD_MUTEX_INITIALIZER;

static void *vcpu_loop(void *arg)
{
    struct vcpu *v = arg;
    struct kvm_run *run = v->run;
    v->status = 1;
    v->why = "?";
    for (;;) {
        if (ioctl(v->fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR)
                continue;
            die("KVM_RUN");
        }
        if (run->exit_reason == KVM_EXIT_DEBUG) {
            v->steps++;
            continue;
        }
        if (run->exit_reason == KVM_EXIT_IO) {
            v->io_exits++;
            uint8_t *d = (uint8_t *)run + run->io.data_offset;
            unsigned n = run->io.size * run->io.count;
            if (run->io.direction == KVM_EXIT_IO_OUT) {
                if (run->io.port == 0x3f8) {
                    pthread_mutex_lock(&io_lock);
                    fwrite(d, 1, n, stdout);
                    pthread_mutex_unlock(&io_lock);
                } else if (run->io.port == 0x64 && d[0] == 0xfe) {
                    v->status = 0; v->why = "i8042 reset"; break;
                }
            } else {
                memset(d, run->io.port == 0x3fd ? 0x60 : 0xff, n);
            }
        } else if (run->exit_reason == KVM_EXIT_MMIO) {
            v->mmio_exits++;
            if (run->mmio.is_write && run->mmio.phys_addr == BOOT_TIMER && run->mmio.data[0] == 123 && !t_timer)
                t_timer = now_us(), steps_at_timer = v->steps;
            else if (vsock && run->mmio.phys_addr - VSOCK_BASE < 0x1000)
                vsockdev_mmio(run->mmio.phys_addr - VSOCK_BASE, run->mmio.is_write, run->mmio.data, run->mmio.len);
            else if (!run->mmio.is_write && virtio_base && run->mmio.phys_addr - virtio_base < 0x1000) {
                uint32_t v = virtio_read(run->mmio.phys_addr - virtio_base);
                memcpy(run->mmio.data, &v, run->mmio.len < 4 ? run->mmio.len : 4);
            } else if (!run->mmio.is_write)
                memset(run->mmio.data, 0xff, sizeof run->mmio.data);
        } else if (run->exit_reason == KVM_EXIT_HLT) {
            v->status = 4; v->why = "hlt"; break;
        } else if (run->exit_reason == KVM_EXIT_SHUTDOWN) {
            v->status = 3; v->why = "shutdown (triple fault)"; break;
        } else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
            int o = snprintf(v->why_buf, sizeof v->why_buf, "internal error, suberror %u, data", run->internal.suberror);
            for (unsigned i = 0; i < run->internal.ndata && i < 4; i++)
                o += snprintf(v->why_buf + o, sizeof v->why_buf - o, " %016llx", (unsigned long long)run->internal.data[i]);
            v->status = 5; v->why = v->why_buf; break;
        } else {
            snprintf(v->why_buf, sizeof v->why_buf, "unexpected exit reason %u", run->exit_reason);
            v->why = v->why_buf; break;
        }
    }
    return NULL;
}

static unsigned long long vsock_args[4];

int main(int argc, char **argv)
{
    int pvh_mode = 0, cpus = 2, x2apic = 0, rsdp_hint = 1, count = 0, acpi = 1, mptable = 0, start_all = 0, irqchip = 0;
    const char *cmdline = "console=ttyS0", *kernel = NULL;
    mem_size = 128ull << 20;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--pvh")) pvh_mode = 1;
        else if (!strcmp(argv[i], "--x2apic")) x2apic = 1;
        else if (!strcmp(argv[i], "--no-rsdp-hint")) rsdp_hint = 0;
        else if (!strcmp(argv[i], "--count")) count = 1;
        else if (!strcmp(argv[i], "--no-acpi")) acpi = 0;
        else if (!strcmp(argv[i], "--mptable")) mptable = 1;
        else if (!strcmp(argv[i], "--start-all")) start_all = 1;
        else if (!strcmp(argv[i], "--irqchip")) irqchip = 1;
        else if (!strcmp(argv[i], "--virtio") && i + 1 < argc) {
            char *colon;
            virtio_base = strtoull(argv[++i], &colon, 0);
            virtio_id = *colon == ':' ? (uint32_t)strtoul(colon + 1, NULL, 0) : 0;
        }
        else if (!strcmp(argv[i], "--vsock") && i + 1 < argc) {
            unsigned long long cid;
            unsigned gport, hport, bytes;
            if (sscanf(argv[++i], "%llu:%u:%u:%u", &cid, &gport, &hport, &bytes) != 4) {
                fprintf(stderr, "minivmm: --vsock CID:GUEST_PORT:HOST_PORT:BYTES\n");
                return 1;
            }
            vsock = 1;
            vsock_args[0] = cid, vsock_args[1] = gport, vsock_args[2] = hport, vsock_args[3] = bytes;
        }
        else if (!strcmp(argv[i], "--cpus") && i + 1 < argc) cpus = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--mem-mib") && i + 1 < argc) mem_size = strtoull(argv[++i], NULL, 0) << 20;
        else if (!strcmp(argv[i], "--cmdline") && i + 1 < argc) cmdline = argv[++i];
        else if (argv[i][0] != '-' && !kernel) kernel = argv[i];
        else {
            fprintf(stderr, "usage: minivmm [--pvh] [--count] [--cpus N] [--no-acpi] [--mptable] [--start-all] [--irqchip] [--virtio BASE:ID] [--vsock CID:GPORT:HPORT:BYTES] [--x2apic] [--no-rsdp-hint] "
                            "[--mem-mib M (<= 3072)] [--cmdline S] probe.elf\n");
            return 1;
        }
    }
    if (!kernel || cpus < 0 || cpus > 200 || mem_size < (16ull << 20) || mem_size > (3072ull << 20)) {
        fprintf(stderr, "minivmm: need a kernel, 0..200 cpus and 16..3072 MiB\n");
        return 1;
    }

    double t0 = now_us();
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("open /dev/kvm");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        die("KVM_CREATE_VM");
    mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        die("mmap guest memory");
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = mem_size, .userspace_addr = (uintptr_t)mem };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        die("KVM_SET_USER_MEMORY_REGION");
    if (vsock)
        vsockdev_init(mem, mem_size, vsock_args[0], (uint32_t)vsock_args[1], (uint32_t)vsock_args[2], (uint32_t)vsock_args[3]);

    /* With the in-kernel irqchip the LAPIC answers in the kernel, and hlt no longer exits. */
    if (irqchip && ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
        die("KVM_CREATE_IRQCHIP");
    uint64_t pvh_entry, entry = load_elf(kernel, &pvh_entry);
    size_t cl = strlen(cmdline);
    if (cl >= 2048) {
        fprintf(stderr, "minivmm: command line longer than 2047 bytes\n");
        return 1;
    }
    memcpy(gpa(CMDLINE, cl + 1), cmdline, cl + 1);
    if (acpi)
        write_acpi(cpus, x2apic);
    if (mptable)
        write_mptable(cpus);

    struct { uint64_t addr, size; uint32_t type; } e820[] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xe0000, 0x20000, 2 }, { 0x100000, mem_size - 0x100000, 1 } };
    int ne = sizeof e820 / sizeof e820[0];

    /* Normally only vCPU 0 exists; --start-all makes every MADT CPU a vCPU entering at the same
     * point, as a VMM without an in-kernel irqchip would: the guest must let only one of them run. */
    int nv = start_all && cpus > 1 ? cpus : 1;
    if (nv > MAX_VCPUS) {
        fprintf(stderr, "minivmm: --start-all supports at most %d vCPUs\n", MAX_VCPUS);
        return 1;
    }
    struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cpuid = { .c.nent = 256 };
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid) < 0)
        die("KVM_GET_SUPPORTED_CPUID");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    for (int i = 0; i < nv; i++) {
        vcpus[i].id = i;
        vcpus[i].fd = ioctl(vm, KVM_CREATE_VCPU, i);
        if (vcpus[i].fd < 0)
            die("KVM_CREATE_VCPU");
        if (ioctl(vcpus[i].fd, KVM_SET_CPUID2, &cpuid) < 0)
            die("KVM_SET_CPUID2");
        vcpus[i].run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpus[i].fd, 0);
        if (vcpus[i].run == MAP_FAILED)
            die("mmap kvm_run");
    }
    int vcpu = vcpus[0].fd;

    struct kvm_sregs sregs;
    struct kvm_regs regs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        die("KVM_GET_SREGS");
    memset(&regs, 0, sizeof regs);
    regs.rflags = 2;
    if (!pvh_mode) {
        uint64_t zp = ZERO_PAGE;
        put16(zp + 0x1fe, 0xaa55);
        put32(zp + 0x202, 0x53726448);          /* "HdrS" */
        put8(zp + 0x210, 0xff);                 /* type_of_loader: undefined */
        put32(zp + 0x228, CMDLINE);
        put32(zp + 0x238, (uint32_t)cl);
        if (rsdp_hint)
            put64(zp + 0x070, RSDP_ADDR);
        put8(zp + 0x1e8, (uint8_t)ne);
        for (int i = 0; i < ne; i++) {
            put64(zp + 0x2d0 + i * 20, e820[i].addr);
            put64(zp + 0x2d0 + i * 20 + 8, e820[i].size);
            put32(zp + 0x2d0 + i * 20 + 16, e820[i].type);
        }
        put64(GDT_ADDR + 0, 0);
        put64(GDT_ADDR + 8, 0x00af9b000000ffffull);
        put64(GDT_ADDR + 16, 0x00cf93000000ffffull);
        put64(PML4_ADDR, (PML4_ADDR + 0x1000) | 3);
        put64(PML4_ADDR + 0x1000, (PML4_ADDR + 0x2000) | 3);
        for (uint64_t i = 0; i < 512; i++)
            put64(PML4_ADDR + 0x2000 + i * 8, (i << 21) | 0x83);
        sregs.gdt.base = GDT_ADDR; sregs.gdt.limit = 23;
        set_seg(&sregs.cs, 8, 1, 1, 0);
        set_seg(&sregs.ds, 16, 0, 0, 1);
        sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
        sregs.cr3 = PML4_ADDR;
        sregs.cr4 = 0x20;                        /* PAE */
        sregs.cr0 = 0x80000011;                  /* PG | ET | PE */
        sregs.efer = 0x500;                      /* LMA | LME */
        regs.rip = entry;
        regs.rsi = ZERO_PAGE;
        regs.rsp = 0x8ff0;
    } else {
        if (!pvh_entry) {
            fprintf(stderr, "minivmm: %s has no Xen PVH entry note\n", kernel);
            return 1;
        }
        put32(START_INFO + 0x00, 0x336ec578);
        put32(START_INFO + 0x04, 1);
        put64(START_INFO + 0x18, CMDLINE);
        put64(START_INFO + 0x20, rsdp_hint ? RSDP_ADDR : 0);
        put64(START_INFO + 0x28, MEMMAP);
        put32(START_INFO + 0x30, (uint32_t)ne);
        for (int i = 0; i < ne; i++) {
            put64(MEMMAP + i * 24, e820[i].addr);
            put64(MEMMAP + i * 24 + 8, e820[i].size);
            put32(MEMMAP + i * 24 + 16, e820[i].type);
            put32(MEMMAP + i * 24 + 20, 0);
        }
        put64(GDT_ADDR + 0, 0);
        put64(GDT_ADDR + 8, 0x00cf9b000000ffffull);
        put64(GDT_ADDR + 16, 0x00cf93000000ffffull);
        sregs.gdt.base = GDT_ADDR; sregs.gdt.limit = 23;
        set_seg(&sregs.cs, 8, 1, 0, 1);
        set_seg(&sregs.ds, 16, 0, 0, 1);
        sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
        sregs.cr0 = 0x11;                        /* ET | PE */
        sregs.cr3 = 0; sregs.cr4 = 0; sregs.efer = 0;
        regs.rip = pvh_entry;
        regs.rbx = START_INFO;
    }
    for (int i = 0; i < nv; i++) {
        if (ioctl(vcpus[i].fd, KVM_SET_SREGS, &sregs) < 0)
            die("KVM_SET_SREGS");
        if (ioctl(vcpus[i].fd, KVM_SET_REGS, &regs) < 0)
            die("KVM_SET_REGS");
    }
    if (count) {   /* single-step vCPU 0: one KVM_EXIT_DEBUG per guest instruction */
        struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP };
        if (ioctl(vcpu, KVM_SET_GUEST_DEBUG, &dbg) < 0)
            die("KVM_SET_GUEST_DEBUG");
    }
    t_run = now_us();
    pthread_t threads[MAX_VCPUS];
    for (int i = 1; i < nv; i++)
        pthread_create(&threads[i], NULL, vcpu_loop, &vcpus[i]);
    vcpu_loop(&vcpus[0]);
    for (int i = 1; i < nv; i++)
        pthread_join(threads[i], NULL);   /* an AP that never stops keeps us here: the test times out */
    fflush(stdout);
    double t_end = now_us();
    if (vsock)
        vsockdev_report();
    struct vcpu *v = &vcpus[0];   /* report the vCPU that ran the probe: any that did not just halt */
    for (int i = 0; i < nv; i++)
        if (vcpus[i].status != 4) {
            v = &vcpus[i];
            break;
        }
    fprintf(stderr, "minivmm: %s vcpu %d exit=%s io_exits=%lu mmio_exits=%lu setup_us=%.0f boot_timer_us=%.0f run_us=%.0f\n",
            pvh_mode ? "pvh" : "linux64", v->id, v->why, v->io_exits, v->mmio_exits, t_run - t0,
            t_timer ? t_timer - t_run : -1.0, t_end - t_run);
    for (int i = 0; i < nv; i++)
        if (&vcpus[i] != v)
            fprintf(stderr, "minivmm: vcpu %d exit=%s io_exits=%lu mmio_exits=%lu\n",
                i, vcpus[i].why, vcpus[i].io_exits, vcpus[i].mmio_exits);
    if (count)
        fprintf(stderr, "minivmm: instructions=%lu to_boot_timer=%lu\n", v->steps, steps_at_timer);
    return v->status;
}
