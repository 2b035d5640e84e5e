/*
 * Boot information from either protocol, reduced to struct boot_info.
 * Offsets are from Linux's arch/x86/include/uapi/asm/bootparam.h (zero page) and
 * xen/include/public/arch-x86/hvm/start_info.h (PVH); both are stable ABI.
 */
#include "probe.h"

/* struct boot_params */
#define BP_ACPI_RSDP_ADDR   0x070   /* u64 */
#define BP_EXT_CMD_LINE_PTR 0x0c8   /* u32, high half of the cmdline address */
#define BP_E820_ENTRIES     0x1e8   /* u8 */
#define BP_CMD_LINE_PTR     0x228   /* u32, in the setup header */
#define BP_E820_TABLE       0x2d0   /* struct boot_e820_entry[128], 20 bytes each */
#define BP_E820_MAX         128
#define E820_ENTRY_SIZE     20

/* struct hvm_start_info */
#define PVH_MAGIC           0x336ec578
#define SI_MAGIC            0x00    /* u32 */
#define SI_VERSION          0x04    /* u32 */
#define SI_CMDLINE_PADDR    0x18    /* u64 */
#define SI_RSDP_PADDR       0x20    /* u64 */
#define SI_MEMMAP_PADDR     0x28    /* u64, version >= 1 */
#define SI_MEMMAP_ENTRIES   0x30    /* u32, version >= 1 */
#define PVH_MEMMAP_ENTRY_SIZE 24
#define PVH_MEMMAP_MAX      128

#define E820_RAM            1
#define CMDLINE_MAX         4096    /* a longer or unterminated command line is ignored */

static void add_range(struct boot_info *bi, uint64_t addr, uint64_t size, uint32_t type)
{
    bi->map_entries++;
    if (type != E820_RAM)
        return;
    bi->ram_bytes += size;
    if (bi->ram_ranges < BOOT_MAX_RAM_RANGES) {
        bi->ram[bi->ram_ranges].addr = addr;
        bi->ram[bi->ram_ranges].size = size;
        bi->ram_ranges++;
    }
}

static const char *checked_cmdline(uint64_t addr)
{
    if (addr == 0 || !mapped(addr, CMDLINE_MAX))
        return "";
    const char *s = (const char *)(uintptr_t)addr;
    for (unsigned i = 0; i < CMDLINE_MAX; i++)
        if (s[i] == 0)
            return s;
    return "";
}

void bootinfo_from_zero_page(struct boot_info *bi, uint64_t zp)
{
    bi->kind = BOOT_LINUX64;
    bi->cmdline = "";
    if (zp == 0 || !mapped(zp, 4096))
        return;
    bi->valid = 1;
    uint64_t cmd = rd32(zp + BP_CMD_LINE_PTR) | (uint64_t)rd32(zp + BP_EXT_CMD_LINE_PTR) << 32;
    bi->cmdline = checked_cmdline(cmd);
    bi->rsdp = rd64(zp + BP_ACPI_RSDP_ADDR);
    unsigned n = rd8(zp + BP_E820_ENTRIES);
    if (n > BP_E820_MAX)
        n = BP_E820_MAX;
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = zp + BP_E820_TABLE + i * E820_ENTRY_SIZE;
        add_range(bi, rd64(e), rd64(e + 8), rd32(e + 16));
    }
}

void bootinfo_from_pvh(struct boot_info *bi, uint64_t si)
{
    bi->kind = BOOT_PVH;
    bi->cmdline = "";
    if (si == 0 || !mapped(si, 64) || rd32(si + SI_MAGIC) != PVH_MAGIC)
        return;
    bi->valid = 1;
    bi->cmdline = checked_cmdline(rd64(si + SI_CMDLINE_PADDR));
    bi->rsdp = rd64(si + SI_RSDP_PADDR);
    if (rd32(si + SI_VERSION) < 1)
        return;   /* version 0 has no memory map: ram_bytes stays 0 */
    uint64_t map = rd64(si + SI_MEMMAP_PADDR);
    unsigned n = rd32(si + SI_MEMMAP_ENTRIES);
    if (n > PVH_MEMMAP_MAX)
        n = PVH_MEMMAP_MAX;
    if (map == 0 || !mapped(map, (uint64_t)n * PVH_MEMMAP_ENTRY_SIZE))
        return;
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = map + i * PVH_MEMMAP_ENTRY_SIZE;
        add_range(bi, rd64(e), rd64(e + 8), rd32(e + 16));
    }
}
