/**
 * Where a VM's console output goes.
 *
 * <p>The serial device hands every byte the guest transmits to a
 * {@link dev.flotilla.vm.console.ConsoleSink}. The sink is bounded in every direction because the
 * guest is untrusted and may print forever: a fixed ring of the latest output (64 KiB by default,
 * overwritten bytes are counted), line assembly capped at 4 KiB per line (longer lines arrive in
 * pieces), and a file buffer of 8 KiB handed to the file writer at each newline. Guest output is bytes, decoded as
 * UTF-8 with replacement when turned into text; a trailing "\r" is stripped from lines since
 * Linux's serial console ends lines with "\r\n".
 *
 * <p>Console files. The write path runs on vCPU threads, so it never throws and never does file I/O:
 * the sink copies its bytes to a {@link dev.flotilla.vm.console.ConsoleFileWriter}, one platform thread
 * per daemon writing every console's file, with at most 64 KiB waiting per console (beyond it output is
 * dropped from the file and counted; a stuck disk never blocks a guest). Each file is a
 * {@link dev.flotilla.vm.console.RotatingConsoleFile}: {@code <id>.log} up to half the cap, then renamed
 * to {@code <id>.log.1}, so a console never holds more than its cap on disk and always the last half of
 * it. Before each write the writer checks the filesystem's free space (statvfs) against a floor and
 * writes nothing below it: consoles that share a filesystem with the desired-state store leave it
 * headroom. Open/append/rotate errors (ENOSPC, EIO) are counted, logged at most once a minute, and the
 * bytes stay in the ring; nothing else in the VMM depends on a console file. Consumers: the CLI streams lines to stdout through a
 * line listener; the API returns {@code snapshot()}/{@code tail()}; tests and the boot sequence
 * wait with {@code awaitLine(predicate)}, which also matches complete lines still in the ring so
 * a line printed before the wait began is not missed.
 */
package dev.flotilla.vm.console;
