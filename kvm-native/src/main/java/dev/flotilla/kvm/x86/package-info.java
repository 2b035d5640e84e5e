/**
 * x86_64 register state as KVM sees it: {@code kvm_regs}, {@code kvm_sregs}, CPUID and MSR entries,
 * as plain Java values with the C field names. Marshalling to and from the native structs lives with
 * the ioctls in {@code dev.flotilla.kvm}; what values a booting guest needs lives in
 * {@code dev.flotilla.kvm.x86.boot}.
 */
package dev.flotilla.kvm.x86;
