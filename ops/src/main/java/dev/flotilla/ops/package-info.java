/**
 * The application: the {@code flotilla} command ({@link dev.flotilla.ops.Main}) and its subcommands,
 * the embedded probe guest ({@link dev.flotilla.ops.ProbeGuestImage}), and the Linux guest locator.
 * Commands validate everything before touching KVM, print the guest console on stdout and logs on
 * stderr (text, or JSON lines with {@code -Dflotilla.log.format=JSON}), and end with an exit status and a
 * sentence that tells the user what to do.
 */
package dev.flotilla.ops;
