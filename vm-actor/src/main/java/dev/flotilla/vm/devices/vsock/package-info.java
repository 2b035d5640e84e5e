/**
 * virtio-vsock with Firecracker's host-side model.
 *
 * <p>Shape. {@link dev.flotilla.vm.devices.vsock.VirtioVsock} is the virtio device (rx/tx/event queues,
 * guest CID in config) on a {@code WorkerBackedDevice}; {@link dev.flotilla.vm.devices.vsock.VsockMuxer}
 * routes packets and owns the bounded connection table; {@link dev.flotilla.vm.devices.vsock.VsockConnection}
 * is one stream's state machine and its credit in both directions; {@link dev.flotilla.vm.devices.vsock.VsockHeader}
 * is the 44-byte wire header. The muxer and connections are pure logic over {@link
 * dev.flotilla.vm.devices.vsock.HostStream}s, unit-tested with a fake guest and in-memory streams.
 *
 * <p>Host side. One Unix socket per device at {@code uds_path}: a host program connects, writes
 * {@code CONNECT <port>\n}, and once the guest answers our REQUEST with RESPONSE it reads
 * {@code OK <host port>\n} followed by the stream (a RST closes it). A guest connection to host port P is
 * bridged to a connection to {@code <uds_path>_<P>}. The socket's directory is held open beneath its allowed
 * root ({@code dev.flotilla.kvm.hostfs.SocketDirectory}); bind, connect and unlink all go through it. A socket
 * left at {@code uds_path} by a run that was killed (kill -9, OOM killer) is removed at start — only if it is a
 * socket (fstatat without following links, then unlinkat in that directory); a regular file, a link or
 * anything else there is an error and stays untouched. A guest's connection to host port P only reaches
 * {@code <uds_path>_<P>} if that name is itself a socket, not a link to one elsewhere.
 *
 * <p>Why raw fds and not java.nio. Java 17 has UNIX-domain {@code SocketChannel}s, but their fds are not
 * reachable without reflection into JDK internals, and a {@code Selector} cannot wait on the queue
 * eventfds KVM signals. Running a Selector next to the epoll would mean a second thread per device handing
 * packets across with locks, or polling. So the sockets are plain non-blocking fds made through a few
 * append-only JNR additions to {@code LibC} (socket/bind/listen/accept4/connect/recv/send/shutdown), and the
 * device worker's one epoll waits on queue kicks, the listener and every host stream alike: a single thread
 * per device owns all vsock state, with no locks.
 *
 * <p>Flow control and bounds. Guest → host: each connection advertises {@code bufAlloc} (64 KiB) and holds at
 * most that much unforwarded data in a fixed ring; a guest exceeding its credit is reset. Host → guest: a
 * host stream is read only into an rx buffer the guest has given credit for, so nothing is buffered in that
 * direction and a stream without credit is taken out of epoll's read interest (no busy loop on level-triggered
 * readiness). The connection table (256) and the queue of replies to unknown connections (64) are bounded;
 * while that queue is full the device leaves tx packets in the ring. Half-open states time out (handshake
 * 5 s, REQUEST 2 s, shutdown 2 s).
 */
package dev.flotilla.vm.devices.vsock;
