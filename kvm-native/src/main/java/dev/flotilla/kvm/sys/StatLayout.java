package dev.flotilla.kvm.sys;

import java.nio.ByteBuffer;

/**
 * x86_64 {@code struct stat} (the kernel's and glibc's layout agree on this architecture), with the C field
 * names, and the {@code S_IF*} file types. {@link #read(ByteBuffer)} turns a filled buffer into a
 * {@link FileStat}.
 */
public final class StatLayout {

    public static final int SIZE = 144;
    static final int ST_MODE = 24;
    static final int ST_UID = 28;
    static final int ST_RDEV = 40;
    static final int ST_SIZE = 48;
    static final int ST_MTIM = 88;

    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;

    private StatLayout() {}

    static FileStat read(ByteBuffer b) {
        long mtimeNs = b.getLong(ST_MTIM) * 1_000_000_000L + b.getLong(ST_MTIM + 8);
        return new FileStat(b.getInt(ST_MODE), b.getInt(ST_UID), b.getLong(ST_RDEV), b.getLong(ST_SIZE), mtimeNs);
    }

    /**
     * The fields of a {@code struct stat} this project acts on.
     *
     * @param mode    {@code st_mode}: file type and permission bits
     * @param uid     owner
     * @param rdev    device number of a device file
     * @param size    {@code st_size} (0 for block devices: their size comes from BLKGETSIZE64)
     * @param mtimeNs modification time, ns since the epoch
     */
    public record FileStat(int mode, int uid, long rdev, long size, long mtimeNs) {

        public int type() {
            return mode & S_IFMT;
        }

        public boolean isRegular() {
            return type() == S_IFREG;
        }

        public boolean isDirectory() {
            return type() == S_IFDIR;
        }

        public boolean isSocket() {
            return type() == S_IFSOCK;
        }

        public boolean isBlockDevice() {
            return type() == S_IFBLK;
        }

        public boolean isFifo() {
            return type() == S_IFIFO;
        }

        /** Permission bits (no type). */
        public int permissions() {
            return mode & 07777;
        }

        /** "regular file", "FIFO (named pipe)", ...: for error messages. */
        public String typeName() {
            return switch (type()) {
                case S_IFREG -> "regular file";
                case S_IFDIR -> "directory";
                case S_IFIFO -> "FIFO (named pipe)";
                case S_IFSOCK -> "socket";
                case S_IFLNK -> "symbolic link";
                case S_IFBLK -> "block device";
                case S_IFCHR -> "character device";
                default -> "file of type 0" + Integer.toOctalString(type());
            };
        }
    }
}
