/**
 * ACPI tables for a hardware-reduced microVM: RSDP (2.0) → XSDT → FADT (rev 6, HW_REDUCED_ACPI, X_DSDT),
 * MADT (LAPICs + one IOAPIC), and a DSDT built with a small {@link dev.flotilla.kvm.x86.acpi.AmlWriter}
 * describing COM1, the i8042 and one {@code LNRO0005} virtio-mmio device per slot. Tables are built as
 * byte arrays (length and checksum computed over the final bytes), then placed by
 * {@link dev.flotilla.kvm.x86.acpi.AcpiTables}. The AML encoders are exact to the spec so that ACPICA
 * ({@code iasl -d}) and Linux parse them; tests check both byte-for-byte and with iasl when present.
 */
package dev.flotilla.kvm.x86.acpi;
