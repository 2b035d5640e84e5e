package dev.flotilla.kvm.x86.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Root System Description Pointer, ACPI 2.0+ form (36 bytes): no RSDT, only the XSDT. Two
 * checksums: the first 20 bytes (ACPI 1.0 readers) and all 36.
 */
public final class Rsdp {

    public static final int SIZE = 36;
    public static final int V1_SIZE = 20;
    public static final int CHECKSUM_OFFSET = 8;
    public static final int XSDT_OFFSET = 24;
    public static final int EXTENDED_CHECKSUM_OFFSET = 32;

    private Rsdp() {}

    public static byte[] build(long xsdtAddr) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Sdt.ascii("RSD PTR ", 8));
        b.put((byte) 0);                 // checksum
        b.put(Sdt.ascii(Sdt.OEM_ID, 6));
        b.put((byte) 2);                 // revision 2: ACPI 2.0+ with XSDT
        b.putInt(0);                     // RSDT address: none
        b.putInt(SIZE);
        b.putLong(xsdtAddr);
        byte[] t = b.array();
        t[CHECKSUM_OFFSET] = Sdt.checksum(t, 0, V1_SIZE);
        t[EXTENDED_CHECKSUM_OFFSET] = Sdt.checksum(t, 0, SIZE);
        return t;
    }
}
