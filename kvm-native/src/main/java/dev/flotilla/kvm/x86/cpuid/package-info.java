/**
 * The CPUID table a vCPU is given. Pure functions over {@link dev.flotilla.kvm.x86.CpuidEntry} lists, so
 * they are tested on the table itself: on kvm_pvm hosts KVM_SET_CPUID2 is accepted but the guest sees
 * host-derived values, so in-guest checks would prove nothing.
 */
package dev.flotilla.kvm.x86.cpuid;
