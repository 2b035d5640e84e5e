package dev.flotilla.kvm.x86;

/** {@code struct kvm_regs}: the general-purpose registers, C field names. Mutable, like the struct. */
public final class Regs {
    public long rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
    public long r8, r9, r10, r11, r12, r13, r14, r15;
    public long rip, rflags;

    @Override
    public String toString() {
        return "Regs[rip=0x%x rsp=0x%x rflags=0x%x rax=0x%x rbx=0x%x rcx=0x%x rdx=0x%x rsi=0x%x rdi=0x%x]"
                .formatted(rip, rsp, rflags, rax, rbx, rcx, rdx, rsi, rdi);
    }
}
