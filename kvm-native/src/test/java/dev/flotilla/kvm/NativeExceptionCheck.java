package dev.flotilla.kvm;

import dev.flotilla.kvm.sys.NativeException;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class NativeExceptionCheck {
    private NativeExceptionCheck() {}

    static NativeException assertNativeFailure(String call, Executable e) {
        NativeException ex = assertThrows(NativeException.class, e);
        assertTrue(ex.getMessage().startsWith(call), ex.getMessage());
        return ex;
    }
}
