/**
 * The raw layer under {@code dev.flotilla.kvm}: libc through jnr-ffi ({@link dev.flotilla.kvm.sys.LibC},
 * C names), every KVM ioctl number in one table ({@link dev.flotilla.kvm.sys.KvmIoctls}), and the x86_64
 * struct layouts as offset constants plus small marshalling helpers over little-endian ByteBuffers.
 * <p>Structs are passed to ioctls as addresses of malloc'd {@link dev.flotilla.kvm.sys.NativeStruct}s
 * freed right after the call, so no jnr-ffi struct mapping runs and nothing waits for the GC. The
 * numbers and layouts are checked against {@code <linux/kvm.h>} by compiling a C program in a unit test.
 * <p>jnr-ffi 2.3.4 caveat: a function with six primitive parameters goes through a "fast long" path
 * that garbles the sixth argument; mmap is therefore declared with a Pointer first parameter.
 * <p>{@link dev.flotilla.kvm.sys.VectoredIo} keeps one malloc'd iovec array per owner for preadv/pwritev
 * (a block device's whole request in one call, straight between the file and guest RAM).
 */
package dev.flotilla.kvm.sys;
