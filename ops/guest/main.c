/*
 * The probe guest's one pass: banner, command line, memory and CPU census, boot-timer signal,
 * optional fault and test routines, then hold or reset. Lines are fixed-format so a VMM test or
 * benchmark can match them (see README.md).
 */
#include "probe.h"

static struct boot_info bi;
static struct virtio_dev devices[VIRTIO_MAX_DEVICES];

static void report_devices(void)
{
    unsigned malformed, n = virtio_find(bi.cmdline, devices, VIRTIO_MAX_DEVICES, &malformed);
    for (unsigned i = 0; i < n; i++) {
        puts_("probe: virtio-mmio base=");
        put_hex(devices[i].base);
        puts_(" size=");
        put_hex(devices[i].size);
        puts_(" irq=");
        put_u64(devices[i].irq);
        if (devices[i].magic_ok) {
            puts_(" version=");
            put_u64(devices[i].version);
            puts_(" device_id=");
            put_u64(devices[i].device_id);
        } else {
            puts_(" no-device");   /* MagicValue is not "virt" */
        }
        putc_('\n');
    }
    if (malformed) {
        puts_("probe: virtio-mmio malformed=");
        put_u64(malformed);
        putc_('\n');
    }
}

__attribute__((noreturn)) void probe_main(uint64_t info, enum boot_kind kind);

void probe_main(uint64_t info, enum boot_kind kind)
{
    serial_init();
    const char *boot = kind == BOOT_PVH ? "pvh" : "linux64";
    puts_("flotilla probe guest " PROBE_VERSION " (boot=");
    puts_(boot);
    puts_(")\n");

    if (kind == BOOT_PVH)
        bootinfo_from_pvh(&bi, info);
    else
        bootinfo_from_zero_page(&bi, info);
    if (!bi.valid) {
        puts_("probe: no boot information at ");
        put_hex(info);
        putc_('\n');
    }
    puts_("probe: cmdline=");
    puts_(bi.cmdline);
    putc_('\n');

    int verbose = cmdline_has_word(bi.cmdline, "probe.verbose");
    if (verbose) {
        for (uint32_t i = 0; i < bi.ram_ranges; i++) {
            puts_("probe: ram ");
            put_hex(bi.ram[i].addr);
            puts_(" size=");
            put_hex(bi.ram[i].size);
            putc_('\n');
        }
    }

    struct cpu_census cc;
    cpu_census(bi.rsdp, &cc);
    if (verbose) {
        puts_("probe: rsdp=");
        put_hex(cc.rsdp);
        puts_(" boot_info_rsdp=");
        put_hex(bi.rsdp);
        puts_(" madt=");
        put_hex(cc.madt);
        puts_(" cpus_from=");
        puts_(cc.source);
        putc_('\n');
    }
    puts_("probe: cpus=");
    put_u64(cc.cpus);
    puts_(" mem_mib=");
    put_u64((bi.ram_bytes + (1u << 19)) >> 20);   /* nearest MiB: e820 leaves out the legacy hole */
    puts_(" boot=");
    puts_(boot);
    putc_('\n');

    boot_timer_signal();
    clock_init();                      /* after the boot timer: not on the measured boot path */
    report_devices();

    if (cmdline_has_word(bi.cmdline, "probe.fault")) {
        line("fault");
        execute_unsupported_instruction();
        line("fault survived (the instruction executed)");
    }

    touch_memory(&bi);                 /* probe.touch=<MiB> */

    size_t len;
    const char *list = cmdline_value(bi.cmdline, "probe.run", &len);
    if (list)
        run_tests(list, len, &bi);

    if (cmdline_has_word(bi.cmdline, "probe.hold")) {
        line("holding");
        if (cmdline_has_word(bi.cmdline, "probe.kbd"))
            hold_keyboard();
        hold();
    }
    line("reset");
    reset();
}
