/**
 * Guest-physical memory. {@link dev.flotilla.kvm.memory.GuestMemory} is the one view every part of the
 * VMM uses (boot writers, devices, virtqueues); it hides region boundaries and checks every address,
 * because most addresses come from the untrusted guest. {@code MmapGuestMemory} is the real thing
 * (anonymous mmap registered with KVM); {@code HeapGuestMemory} backs unit tests of pure logic.
 */
package dev.flotilla.kvm.memory;
