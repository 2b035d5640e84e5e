package dev.flotilla.vm.console;

/**
 * How much disk a console may use.
 *
 * @param maxBytes     the two files of one console ({@code <id>.log} and the rotated {@code <id>.log.1})
 *                     together never exceed this; each holds at most half, so at least the last
 *                     {@code maxBytes / 2} of output is always on disk. At least 2.
 * @param minFreeBytes console files are not written while the filesystem that holds them has less than
 *                     this much space free for unprivileged writers (statvfs f_bavail); 0 = no floor
 */
public record ConsoleFileLimits(long maxBytes, long minFreeBytes) {

    /** One file, never rotated, no floor: for a file the user named ({@code flotilla run --console-file}). */
    public static final ConsoleFileLimits UNLIMITED = new ConsoleFileLimits(Long.MAX_VALUE, 0);

    public ConsoleFileLimits {
        if (maxBytes < 2) {
            throw new IllegalArgumentException("console file size limit " + maxBytes + " must be at least 2 bytes");
        }
        if (minFreeBytes < 0) {
            throw new IllegalArgumentException("console free-space floor " + minFreeBytes + " cannot be negative");
        }
    }

    boolean rotates() {
        return maxBytes != Long.MAX_VALUE;
    }

    /** The most one file holds before it is rotated. */
    long fileBytes() {
        return rotates() ? maxBytes / 2 : Long.MAX_VALUE;
    }
}
