/**
 * {@code flotilla demo} and the REST client it shares with {@code flotilla bench api} and the end-to-end tests.
 *
 * <p>The demo is the README's first command, so it must work on a fresh machine right after the build: it
 * starts the daemon in its own JVM on the embedded defaults (loopback, a free API port, a free Prometheus port,
 * a temporary state directory, over-commit wide enough for its idle guests), and then uses nothing but the
 * public REST API, as any client would: {@link dev.flotilla.ops.demo.ApiBurst} sends the {@code POST /vms}
 * requests (a 429 is retried after its Retry-After, as a well-behaved client does) and polls {@code GET /vms}
 * for boot times. VMs/s admitted are 201s over the time to the last one (a 201 means the VM runs); VMs/s
 * booted run until {@code GET /vms} shows every VM's boot time; memory is this process's RSS growth, since
 * VMM and guests share the JVM. Then it deletes the VMs (or, with {@code --keep}, serves until Ctrl-C).
 */
package dev.flotilla.ops.demo;
