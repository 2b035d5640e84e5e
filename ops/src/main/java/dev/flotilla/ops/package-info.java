/**
 * The application: the {@code flotilla} command ({@link dev.flotilla.ops.Main}) and its subcommands
 * ({@code serve}: the daemon, package {@code serve}; {@code demo}: package {@code demo}; metrics: package
 * {@code metrics}; {@code bench}: package {@code bench}; {@code run}, {@code kvm}: here),
 * the embedded probe guest ({@link dev.flotilla.ops.ProbeGuestImage}), and the Linux guest locator
 * ({@link dev.flotilla.ops.LinuxGuest}). Guest images are built by scripts under {@code ops/bin} into a
 * per-user cache; classes here only locate them, so the JVM never downloads or unpacks anything.
 * Commands validate everything before touching KVM, print the guest console on stdout and logs on
 * stderr (text, or JSON lines with {@code -Dflotilla.log.format=JSON}; {@code serve} defaults to JSON), and end with an exit status and a
 * sentence that tells the user what to do.
 */
package dev.flotilla.ops;
