package dev.flotilla.kvm.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Variadic;

/**
 * The slice of the C library the KVM layer needs, with the C names. Pointers are passed as raw
 * addresses ({@code long}) into memory this module allocates itself ({@link NativeStruct}, mmap), so
 * no jnr-ffi marshalling runs on the hot path. Every call saves errno; read it with
 * {@link Native#errno()} right after a call returns -1, on the same thread.
 */
public interface LibC {

    int O_RDONLY = 0;
    int O_RDWR = 2;
    int O_CLOEXEC = 0x80000;

    int PROT_NONE = 0;
    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 0x01;
    int MAP_PRIVATE = 0x02;
    int MAP_FIXED = 0x10;
    int MAP_ANONYMOUS = 0x20;
    int MAP_NORESERVE = 0x4000;
    /** {@code (void *) -1}. */
    long MAP_FAILED = -1L;
    int MADV_DONTNEED = 4;

    int EFD_NONBLOCK = 0x800;
    int EFD_CLOEXEC = 0x80000;

    int SIG_BLOCK = 0;
    int SIG_UNBLOCK = 1;
    int SIG_SETMASK = 2;
    /** glibc's {@code sigset_t} is 1024 bits; the kernel only looks at the first 64. */
    int SIGSET_T_SIZE = 128;

    int open(String path, int flags);

    int close(int fd);

    /** {@code ioctl(fd, req, arg)}: arg is an integer or the address of a struct. */
    @Variadic(fixedCount = 2)
    int ioctl(int fd, long req, long arg);

    /**
     * Pass {@code null} for addr. The pointer parameter is deliberate: with six primitive parameters
     * jnr-ffi 2.3.4 takes its "fast long" path, which garbles the sixth argument here (mmap then fails
     * with EINVAL); a Pointer parameter selects the general path, which is correct.
     */
    long mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    int munmap(long addr, long length);

    int madvise(long addr, long length, int advice);

    int eventfd(int initval, int flags);

    long read(int fd, long buf, long count);

    long write(int fd, long buf, long count);

    int getpid();

    int gettid();

    int tgkill(int tgid, int tid, int sig);

    int pthread_sigmask(int how, long set, long oldset);

    /** {@code sigtimedwait(set, info, timeout)}: returns the signal number, or -1 (EAGAIN on timeout). */
    int sigtimedwait(long set, long info, long timeout);

    int EPOLL_CLOEXEC = 0x80000;
    int EPOLL_CTL_ADD = 1;
    int EPOLL_CTL_DEL = 2;
    int EPOLL_CTL_MOD = 3;
    int EPOLLIN = 0x001;
    int EPOLLOUT = 0x004;
    int EPOLLERR = 0x008;
    int EPOLLHUP = 0x010;
    /** struct epoll_event is packed on x86_64: u32 events, u64 data. */
    int EPOLL_EVENT_SIZE = 12;

    int epoll_create1(int flags);

    int epoll_ctl(int epfd, int op, int fd, long event);

    int epoll_wait(int epfd, long events, int maxevents, int timeout);

    // Unix-domain stream sockets: the host side of virtio-vsock (a listener at uds_path, streams to host
    // programs). Buffers are raw addresses, as for read/write.
    int AF_UNIX = 1;
    int SOCK_STREAM = 1;
    int SOCK_NONBLOCK = 0x800;
    int SOCK_CLOEXEC = 0x80000;
    int MSG_PEEK = 0x2;
    int MSG_DONTWAIT = 0x40;
    /** send() on a stream whose peer has gone: EPIPE instead of SIGPIPE. */
    int MSG_NOSIGNAL = 0x4000;
    int SHUT_RD = 0;
    int SHUT_WR = 1;
    int SHUT_RDWR = 2;
    /** struct sockaddr_un: sa_family_t (u16) + char sun_path[108]. */
    int SOCKADDR_UN_SIZE = 110;

    int socket(int domain, int type, int protocol);

    int bind(int fd, long addr, int addrlen);

    int listen(int fd, int backlog);

    /** {@code accept4(fd, addr, addrlen, flags)}: pass 0 for addr and addrlen when the peer address is not wanted. */
    int accept4(int fd, long addr, long addrlen, int flags);

    int connect(int fd, long addr, int addrlen);

    long recv(int fd, long buf, long len, int flags);

    long send(int fd, long buf, long len, int flags);

    int shutdown(int fd, int how);

    /** open(2) flag: reads and writes return EAGAIN instead of waiting (a TAP served from epoll). */
    int O_NONBLOCK = 0x800;

    // Positional scatter/gather file I/O (virtio-blk: one call per request). iov is the address of a
    // native array of struct iovec { void *iov_base; size_t iov_len; } ({@link VectoredIo}).
    /** Most iovecs one preadv/pwritev accepts (Linux UIO_MAXIOV); more fail with EINVAL. */
    int IOV_MAX = 1024;

    long preadv(int fd, long iov, int iovcnt, long offset);

    long pwritev(int fd, long iov, int iovcnt, long offset);

    // Files under the configured host roots (dev.flotilla.kvm.hostfs): every open is relative to a root's
    // directory fd through openat2(2), and the opened fd is checked with fstat before it is used.
    int O_WRONLY = 1;
    int O_CREAT = 0x40;
    int O_EXCL = 0x80;
    int O_APPEND = 0x400;
    int O_DIRECTORY = 0x10000;
    int O_NOFOLLOW = 0x20000;
    int O_PATH = 0x200000;
    int AT_FDCWD = -100;
    int AT_SYMLINK_NOFOLLOW = 0x100;
    int AT_REMOVEDIR = 0x200;
    int AT_EMPTY_PATH = 0x1000;

    /**
     * {@code syscall(number, a1, a2, a3, a4)}: for calls glibc has no wrapper for (openat2). Arguments are
     * passed as longs; pointers are addresses of memory this module allocated.
     */
    @Variadic(fixedCount = 1)
    long syscall(long number, long a1, long a2, long a3, long a4);

    /** {@code fstatat(dirfd, path, statbuf, flags)}: statbuf is the address of a {@link StatLayout#SIZE}-byte block. */
    int fstatat(int dirfd, String path, long statbuf, int flags);

    int unlinkat(int dirfd, String path, int flags);

    int mkdirat(int dirfd, String path, int mode);

    int fchmod(int fd, int mode);

    int fsync(int fd);

    long pread(int fd, long buf, long count, long offset);

    long pwrite(int fd, long buf, long count, long offset);

    int geteuid();
}
