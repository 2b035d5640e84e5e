/**
 * The Flotilla application: wiring, configuration, metrics, CLI and guest-image tooling.
 * Guest images are built by scripts under {@code ops/bin} into a per-user cache; classes here only
 * locate them ({@link dev.flotilla.ops.LinuxGuest}), so the JVM never downloads or unpacks anything.
 */
package dev.flotilla.ops;
