/**
 * Validated configuration records for one microVM, in Firecracker's terms.
 *
 * <p>Each record checks itself in its constructor, so an instance that exists is valid: the API
 * layer parses JSON into these and maps the {@link dev.flotilla.vm.config.InvalidConfigException}
 * (which names the API field and says what is accepted) to a 400 with that message as
 * {@code fault_message}; the MicroVm actor and the fleet never re-validate.
 *
 * <p>Rules follow Firecracker's ({@code vmm_config/machine_config.rs}, {@code boot_source.rs}):
 * 1 to 32 vCPUs, odd counts above 1 refused with SMT, memory a multiple of the huge page size, the
 * static CPU template names, a printable-ASCII command line that fits the 2048-byte area. Two are
 * deliberately stricter, with reasons at the constants: memory 16 MiB to 64 GiB (Firecracker: any
 * non-zero size), and VM ids of at most 64 characters from [A-Za-z0-9_-]. Not copied: Firecracker's
 * refusal of 2M huge pages with an initrd or a balloon, which comes from its own implementation.
 * Enumerated API strings are enums ({@link dev.flotilla.vm.config.CpuTemplate},
 * {@link dev.flotilla.vm.config.HugePages}) with {@code fromApiName}/{@code apiName} for the mapping.
 */
package dev.flotilla.vm.config;
