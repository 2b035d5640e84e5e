/**
 * The Intel MP Specification 1.4 table: the pre-ACPI way to enumerate CPUs and the IOAPIC, which Linux
 * still uses with {@code acpi=off}. Written at the start of the reserved EBDA area (0x9fc00).
 */
package dev.flotilla.kvm.x86.mptable;
