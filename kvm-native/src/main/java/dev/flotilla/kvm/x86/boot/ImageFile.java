package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.memory.GuestMemoryException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A kernel or initrd file opened for loading: bounded reads that turn a short file into a
 * {@link KernelLoadException} naming what was missing, and copies straight from the file into guest RAM.
 */
final class ImageFile implements AutoCloseable {

    private static final int COPY_PIECE = 1 << 20;

    private final String kind;
    private final Path path;
    private final FileChannel channel;
    private final long size;

    private ImageFile(String kind, Path path, FileChannel channel, long size) {
        this.kind = kind;
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    static ImageFile open(Path path, String what) throws KernelLoadException {
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
            return new ImageFile(what, path, ch, ch.size());
        } catch (IOException e) {
            throw new KernelLoadException("%s %s: cannot open (%s); check the path and its permissions"
                    .formatted(what, path, e), e);
        }
    }

    Path path() { return path; }

    long size() { return size; }

    /** Exactly {@code len} bytes at {@code off}; {@code what} names the structure for the error message. */
    byte[] read(long off, int len, String what) throws KernelLoadException {
        if (off < 0 || len < 0 || off > size || len > size - off) {
            throw truncated(what, off, len);
        }
        ByteBuffer b = ByteBuffer.allocate(len);
        readFully(b, off, what);
        return b.array();
    }

    /** Up to {@code len} bytes from offset 0 (fewer if the file is shorter). */
    byte[] readPrefix(int len) throws KernelLoadException {
        return read(0, (int) Math.min(len, size), "file header");
    }

    KernelLoadException truncated(String what, long off, long len) {
        return new KernelLoadException(("%s %s: truncated: %s needs %d bytes at offset 0x%x but the file is %d bytes;"
                + " the file is incomplete or not a %s").formatted(kind, path, what, len, off, size, kind));
    }

    private void readFully(ByteBuffer dst, long off, String what) throws KernelLoadException {
        int want = dst.remaining();
        try {
            long pos = off;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, pos);
                if (n < 0) throw truncated(what, off, want);
                pos += n;
            }
        } catch (IOException e) {
            throw new KernelLoadException("%s %s: read error at offset 0x%x (%s)".formatted(kind, path, off, e), e);
        }
    }

    /**
     * Copies [fileOff, fileOff+len) of the file to guest {@code dst}. The caller has checked that the
     * file range exists and the guest range is RAM; reads go straight into guest memory when the range
     * lies in one mapping.
     */
    void copyToGuest(GuestMemory mem, long fileOff, GuestAddress dst, long len, String what)
            throws KernelLoadException {
        if (fileOff < 0 || len < 0 || fileOff > size || len > size - fileOff) throw truncated(what, fileOff, len);
        long done = 0;
        byte[] bounce = null;
        while (done < len) {
            int n = (int) Math.min(COPY_PIECE, len - done);
            GuestAddress at = dst.plus(done);
            ByteBuffer target;
            try {
                target = mem.slice(at, n);
            } catch (GuestMemoryException crossesMapping) {
                target = null;
            }
            if (target != null) {
                readFully(target, fileOff + done, what);
            } else {
                if (bounce == null) bounce = new byte[COPY_PIECE];
                ByteBuffer b = ByteBuffer.wrap(bounce, 0, n);
                readFully(b, fileOff + done, what);
                mem.write(at, bounce, 0, n);
            }
            done += n;
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only channel: nothing was buffered, nothing can be lost
        }
    }
}
