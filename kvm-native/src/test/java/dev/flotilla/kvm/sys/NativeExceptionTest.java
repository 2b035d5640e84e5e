package dev.flotilla.kvm.sys;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NativeExceptionTest {

    @Test
    void messageNamesCallErrnoAndRemedy() {
        NativeException e = NativeException.of("KVM_CREATE_VM", Errno.EACCES);
        assertEquals("KVM_CREATE_VM failed: EACCES (Permission denied) — check the ACL on /dev/kvm "
                + "(add the user to group kvm, or setfacl -m u:$USER:rw /dev/kvm)", e.getMessage());
        assertEquals(Errno.EACCES, e.errno());
        assertEquals("KVM_CREATE_VM", e.call());
    }

    @Test
    void noHintWhereThereIsNothingUsefulToSay() {
        assertEquals("KVM_RUN failed: EFAULT (Bad address)", NativeException.of("KVM_RUN", Errno.EFAULT).getMessage());
    }

    @Test
    void missingDeviceSaysWhatToLoad() {
        String m = NativeException.of("open(/dev/kvm)", Errno.ENOENT).getMessage();
        assertEquals("open(/dev/kvm) failed: ENOENT (No such file or directory) — no KVM on this host: "
                + "load kvm_intel or kvm_amd, or run on a host with virtualization", m);
    }

    @Test
    void unknownErrnoIsStillPrinted() {
        assertEquals("x failed: errno 4095", NativeException.of("x", 4095).getMessage());
    }
}
