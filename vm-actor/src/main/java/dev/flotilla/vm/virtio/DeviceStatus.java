package dev.flotilla.vm.virtio;

/** The device status bits (virtio 1.2 §2.1): the driver's progress through initialisation. */
public final class DeviceStatus {

    public static final int ACKNOWLEDGE = 1;
    public static final int DRIVER = 2;
    public static final int DRIVER_OK = 4;
    public static final int FEATURES_OK = 8;
    /** Set by the device: it hit an error it cannot recover from without a reset. */
    public static final int NEEDS_RESET = 64;
    /** Set by the driver: it gave up on the device. */
    public static final int FAILED = 128;

    private DeviceStatus() {
    }

    /** "ACKNOWLEDGE|DRIVER|..." for diagnostics. */
    public static String describe(int status) {
        if (status == 0) {
            return "RESET";
        }
        StringBuilder b = new StringBuilder();
        append(b, status, ACKNOWLEDGE, "ACKNOWLEDGE");
        append(b, status, DRIVER, "DRIVER");
        append(b, status, FEATURES_OK, "FEATURES_OK");
        append(b, status, DRIVER_OK, "DRIVER_OK");
        append(b, status, NEEDS_RESET, "NEEDS_RESET");
        append(b, status, FAILED, "FAILED");
        int unknown = status & ~(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK | NEEDS_RESET | FAILED);
        if (unknown != 0) {
            append(b, unknown, unknown, "0x" + Integer.toHexString(unknown));
        }
        return b.toString();
    }

    private static void append(StringBuilder b, int status, int bit, String name) {
        if ((status & bit) != 0) {
            if (b.length() > 0) {
                b.append('|');
            }
            b.append(name);
        }
    }
}
