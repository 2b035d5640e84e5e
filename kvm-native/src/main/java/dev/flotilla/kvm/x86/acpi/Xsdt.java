package dev.flotilla.kvm.x86.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** The Extended System Description Table: 64-bit pointers to every other table (FADT first, by convention). */
public final class Xsdt {

    private Xsdt() {}

    public static byte[] build(List<Long> tables) {
        ByteBuffer body = ByteBuffer.allocate(8 * tables.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (long t : tables) body.putLong(t);
        return Sdt.build("XSDT", 1, "FLOTXSDT", body.array());
    }
}
