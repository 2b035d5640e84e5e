/**
 * virtio-blk, Firecracker's drive: a host file served to the guest as a disk.
 *
 * <p>Shape, one concern per file: {@link dev.flotilla.vm.devices.block.VirtioBlock} is the device
 * (features, config space, the worker's drain loop, live swap and rate-limiter update);
 * {@link dev.flotilla.vm.devices.block.BlockRequest} parses and validates one chain into a request
 * or a refusal ({@link dev.flotilla.vm.devices.block.RequestFault}); {@link
 * dev.flotilla.vm.devices.block.BackingFile} does positional file I/O; {@code GuestBuffers} turns a
 * chain's segments into host addresses for one preadv/pwritev per request (mmap'd guest RAM, a real
 * VM) or into ByteBuffer views of guest RAM (heap memory in tests), so the data is never copied in between;
 * {@link dev.flotilla.vm.devices.block.BlockMetrics} counts.
 *
 * <p>Semantics (as Firecracker): capacity is the file size in whole 512-byte sectors (a trailing
 * partial sector is not exposed, and a warning says so); a read-only drive offers VIRTIO_BLK_F_RO
 * and answers writes with IOERR without touching the file; FLUSH is fsync; GET_ID returns the
 * drive id (20 bytes, zero padded); other request types get UNSUPP. Beyond Firecracker: SEG_MAX
 * and BLK_SIZE are offered (so Linux can send multi-segment requests), and a driver that does not
 * negotiate FLUSH gets write-through (fsync after every write), as the spec asks.
 *
 * <p>Opening: the drive (at build, at a swap, at a restore) is opened by {@code HostFiles} beneath its
 * allowed root — no symbolic link unless the root allows them and never out of it, O_NONBLOCK, a regular file
 * (or a block device where the root allows them) checked on the fd — and {@code BackingFile} then does all
 * its I/O and fsync on that one fd, never reopening the name.
 *
 * <p>Threads: the request path runs on the device's worker, one request at a time under a lock
 * that swaps also take, so a swap lands between two requests. A host I/O failure fails one request
 * and never the device: only a bug (an exception escaping the worker) marks it NEEDS_RESET.
 *
 * <p>Snapshots: {@link dev.flotilla.vm.devices.block.BlockState} holds the drive and the file in
 * use (after swaps) with the size the guest knew; {@code VirtioBlock.restore} re-opens it and
 * refuses a file whose size changed. The ring positions live in the transport's own state.
 *
 * <p>Not yet: async I/O (io_uring) with several requests in flight, discard/write-zeroes,
 * rate-limiter budgets in snapshots.
 */
package dev.flotilla.vm.devices.block;
