package dev.flotilla.kvm.x86.boot;

import dev.flotilla.kvm.memory.GuestAddress;
import dev.flotilla.kvm.memory.GuestMemory;
import dev.flotilla.kvm.memory.GuestMemoryException;

import dev.flotilla.kvm.hostfs.FileUse;
import dev.flotilla.kvm.hostfs.HostFile;
import dev.flotilla.kvm.hostfs.HostFileException;
import dev.flotilla.kvm.hostfs.HostFiles;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A kernel or initrd file opened for loading: bounded reads that turn a short file into a
 * {@link KernelLoadException} naming what was missing, and copies straight from the file into guest RAM.
 * Reads go through the {@link HostFile}'s fd (opened and type-checked beneath its root), never the name;
 * the size is the one fstat saw when it was opened. Does not own the file.
 */
final class ImageFile {

    private static final int COPY_PIECE = 1 << 20;

    private final String kind;
    private final Path path;
    private final HostFile file;
    private final long size;

    ImageFile(HostFile file) {
        this.kind = file.use().what();
        this.path = file.path();
        this.file = file;
        this.size = file.size();
    }

    /** Opens {@code path} for {@code use} through {@code files}; the caller closes the returned file. */
    static HostFile open(HostFiles files, Path path, FileUse use) throws KernelLoadException {
        try {
            return files.open(path, use);
        } catch (HostFileException e) {
            throw new KernelLoadException(e.getMessage(), e);
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
                int n = file.readAt(dst, pos);
                if (n < 0) throw truncated(what, off, want);
                pos += n;
            }
        } catch (HostFileException e) {
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

}
