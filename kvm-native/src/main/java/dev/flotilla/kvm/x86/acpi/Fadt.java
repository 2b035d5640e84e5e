package dev.flotilla.kvm.x86.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Fixed ACPI Description Table, revision 6 (276 bytes), for a hardware-reduced platform: no PM
 * timer, no SCI, no fixed-feature registers — only the DSDT pointer and the flags. IA-PC boot flags
 * tell Linux there is an 8042 (our i8042, whose reset line stops the VM) but no VGA, no MSI and no ASPM.
 */
public final class Fadt {

    public static final int SIZE = 276;
    public static final int REVISION = 6;
    public static final int MINOR_REVISION = 5;
    public static final int IAPC_BOOT_ARCH_OFFSET = 109;
    public static final int FLAGS_OFFSET = 112;
    public static final int MINOR_VERSION_OFFSET = 131;
    public static final int X_DSDT_OFFSET = 140;
    public static final int HYPERVISOR_VENDOR_OFFSET = 268;

    public static final int IAPC_8042 = 1 << 1;
    public static final int IAPC_VGA_NOT_PRESENT = 1 << 2;
    public static final int IAPC_MSI_NOT_SUPPORTED = 1 << 3;
    public static final int IAPC_PCIE_ASPM_CONTROLS = 1 << 4;

    public static final int FLAG_PWR_BUTTON = 1 << 4;
    public static final int FLAG_SLP_BUTTON = 1 << 5;
    public static final int FLAG_HW_REDUCED_ACPI = 1 << 20;

    private Fadt() {}

    public static byte[] build(long dsdtAddr) {
        ByteBuffer body = ByteBuffer.allocate(SIZE - Sdt.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int base = Sdt.HEADER_SIZE;
        body.putShort(IAPC_BOOT_ARCH_OFFSET - base,
                (short) (IAPC_8042 | IAPC_VGA_NOT_PRESENT | IAPC_MSI_NOT_SUPPORTED | IAPC_PCIE_ASPM_CONTROLS));
        // Buttons are "control method or absent": there are none, and fixed-feature ones need PM1 registers.
        body.putInt(FLAGS_OFFSET - base, FLAG_HW_REDUCED_ACPI | FLAG_PWR_BUTTON | FLAG_SLP_BUTTON);
        body.put(MINOR_VERSION_OFFSET - base, (byte) MINOR_REVISION);
        // Only X_DSDT: a 32-bit DSDT that disagrees with it makes Linux warn, and zero means "use X_DSDT".
        body.putLong(X_DSDT_OFFSET - base, dsdtAddr);
        body.put(HYPERVISOR_VENDOR_OFFSET - base, Sdt.ascii("FLOTILLA", 8));
        return Sdt.build("FACP", REVISION, "FLOTFACP", body.array());
    }
}
