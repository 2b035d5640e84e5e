/**
 * Where a VM's console output goes.
 *
 * <p>The serial device hands every byte the guest transmits to a
 * {@link dev.flotilla.vm.console.ConsoleSink}. The sink is bounded in every direction because the
 * guest is untrusted and may print forever: a fixed ring of the latest output (64 KiB by default,
 * overwritten bytes are counted), line assembly capped at 4 KiB per line (longer lines arrive in
 * pieces), and a file buffer of 8 KiB flushed at each newline. Guest output is bytes, decoded as
 * UTF-8 with replacement when turned into text; a trailing "\r" is stripped from lines since
 * Linux's serial console ends lines with "\r\n".
 *
 * <p>The write path runs on vCPU threads, so it never throws: a failing file append is counted and
 * logged once, and the bytes stay in the ring. Consumers: the CLI streams lines to stdout through a
 * line listener; the API returns {@code snapshot()}/{@code tail()}; tests and the boot sequence
 * wait with {@code awaitLine(predicate)}, which also matches complete lines still in the ring so
 * a line printed before the wait began is not missed.
 */
package dev.flotilla.vm.console;
