package dev.flotilla.vm.devices.block;

import dev.flotilla.vm.virtio.DescriptorChain;

/**
 * One validated virtio-blk request (virtio 1.2 §5.2.6): a 16-byte header {type u32, reserved u32,
 * sector u64} in the chain's readable part, the data (readable for a write, writable for a read or
 * GET_ID), and a status byte as the very last writable byte.
 *
 * @param type       what to do
 * @param rawType    the type field as the guest wrote it (for UNSUPPORTED)
 * @param sector     first 512-byte sector (IN/OUT only)
 * @param dataLength bytes of data: read from the chain after the header (OUT) or written to the chain
 *                   before the status byte (IN, GET_ID)
 */
public record BlockRequest(Type type, long rawType, long sector, long dataLength) {

    public static final int HEADER_SIZE = 16;
    public static final int T_IN = 0;
    public static final int T_OUT = 1;
    public static final int T_FLUSH = 4;
    public static final int T_GET_ID = 8;
    public static final int S_OK = 0;
    public static final int S_IOERR = 1;
    public static final int S_UNSUPP = 2;

    public enum Type { IN, OUT, FLUSH, GET_ID, UNSUPPORTED }

    /** What parsing a chain gave: a request to serve, or a refusal. */
    public sealed interface Parsed permits Valid, Refused {
    }

    public record Valid(BlockRequest request) implements Parsed {
    }

    /** @param hasStatus whether the chain has a writable byte for the IOERR status */
    public record Refused(RequestFault fault, String detail, boolean hasStatus) implements Parsed {
    }

    /** Bytes the rate limiter's bandwidth bucket is charged: data moved to or from the disk. */
    public long chargedBytes() {
        return type == Type.IN || type == Type.OUT ? dataLength : 0;
    }

    /**
     * Validates {@code chain} as a request for a disk of {@code capacitySectors}. Reads only the
     * header from guest memory; never throws on guest input.
     */
    public static Parsed parse(DescriptorChain chain, long capacitySectors) {
        long readable = chain.readableLength();
        long writable = chain.writableLength();
        if (writable < 1) {
            return new Refused(RequestFault.STATUS_NOT_WRITABLE, "chain " + chain.headIndex()
                    + " has no device-writable byte for the status", false);
        }
        if (readable < HEADER_SIZE) {
            return new Refused(RequestFault.HEADER_TOO_SHORT, "chain " + chain.headIndex() + " has " + readable
                    + " readable bytes, the header needs " + HEADER_SIZE, true);
        }
        byte[] h = new byte[HEADER_SIZE];
        chain.read(0, h, 0, HEADER_SIZE);
        long type = le32(h, 0);
        long sector = le32(h, 8) | le32(h, 12) << 32;
        long readData = readable - HEADER_SIZE;
        long writeData = writable - 1;
        switch ((int) type) {
            case T_IN:
                if (readData != 0) return direction(chain, "read", readData + " readable data bytes");
                return sectors(chain, Type.IN, type, sector, writeData, capacitySectors);
            case T_OUT:
                if (writeData != 0) return direction(chain, "write", writeData + " writable data bytes");
                return sectors(chain, Type.OUT, type, sector, readData, capacitySectors);
            case T_FLUSH:
                if (readData != 0 || writeData != 0) {
                    return direction(chain, "flush", (readData + writeData) + " data bytes");
                }
                return new Valid(new BlockRequest(Type.FLUSH, type, 0, 0));
            case T_GET_ID:
                if (readData != 0) return direction(chain, "get-id", readData + " readable data bytes");
                return new Valid(new BlockRequest(Type.GET_ID, type, 0, writeData));
            default:
                break;
        }
        return new Valid(new BlockRequest(Type.UNSUPPORTED, type, sector, 0));
    }

    private static Parsed direction(DescriptorChain chain, String what, String found) {
        return new Refused(RequestFault.DATA_DIRECTION, "chain " + chain.headIndex() + ": a " + what
                + " request with " + found, true);
    }

    private static Parsed sectors(DescriptorChain chain, Type t, long rawType, long sector, long len, long capacity) {
        if (len % BackingFile.SECTOR_SIZE != 0) {
            return new Refused(RequestFault.DATA_NOT_SECTOR_MULTIPLE, "chain " + chain.headIndex() + ": " + len
                    + " data bytes is not a multiple of " + BackingFile.SECTOR_SIZE, true);
        }
        // Unsigned: a sector of 2^63 or more is simply out of range; len / 512 cannot overflow.
        if (Long.compareUnsigned(sector, capacity) > 0 || len / BackingFile.SECTOR_SIZE > capacity - sector) {
            return new Refused(RequestFault.OUT_OF_RANGE, "chain " + chain.headIndex() + ": sector "
                    + Long.toUnsignedString(sector) + " + " + len / BackingFile.SECTOR_SIZE
                    + " sectors is past the end of a disk of " + capacity + " sectors", true);
        }
        return new Valid(new BlockRequest(t, rawType, sector, len));
    }

    private static long le32(byte[] b, int o) {
        return (b[o] & 0xFFL) | (b[o + 1] & 0xFFL) << 8 | (b[o + 2] & 0xFFL) << 16 | (b[o + 3] & 0xFFL) << 24;
    }
}
