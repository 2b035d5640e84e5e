package dev.flotilla.vm.virtio;

import java.util.Optional;

/**
 * The feature half of a virtio-mmio register file: the offered features the driver reads through
 * DeviceFeaturesSel/DeviceFeatures, the features it writes through DriverFeaturesSel/DriverFeatures, and
 * whether that choice may be accepted with FEATURES_OK. Refusals come back as the reason; counting and
 * reporting them is the transport's. Guarded by the transport's lock.
 */
final class FeatureNegotiation {

    private final long offered;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    /** The driver set a feature bit above 63, which nothing offers. */
    private boolean unofferedFeatureAccepted;

    FeatureNegotiation(long offered) {
        this.offered = offered;
    }

    long offered() {
        return offered;
    }

    /** The features both sides have: meaningful once FEATURES_OK is set. */
    long negotiated() {
        return driverFeatures & offered;
    }

    void selectDeviceFeatures(int sel) {
        deviceFeaturesSel = sel;
    }

    void selectDriverFeatures(int sel) {
        driverFeaturesSel = sel;
    }

    /** The DeviceFeatures register: the selected 32-bit word of the offered features (0 beyond bit 63). */
    int deviceFeatures() {
        return deviceFeaturesSel > 1 ? 0 : (int) (offered >>> (32 * deviceFeaturesSel));
    }

    /**
     * A DriverFeatures write of {@code v} to the selected word.
     *
     * @return the protocol violation, if the write broke the protocol (it is then not taken, or, for bits
     *         above 63, remembered so FEATURES_OK is refused)
     */
    Optional<String> writeDriverFeatures(int v, boolean featuresOk) {
        if (featuresOk) {
            return Optional.of("DriverFeatures written after FEATURES_OK");
        }
        if (driverFeaturesSel == 0 || driverFeaturesSel == 1) {
            int shift = 32 * driverFeaturesSel;
            driverFeatures = (driverFeatures & ~(0xFFFF_FFFFL << shift)) | (Integer.toUnsignedLong(v) << shift);
        } else if (v != 0) {
            unofferedFeatureAccepted = true;
            return Optional.of("DriverFeatures bits set in word " + driverFeaturesSel + ", beyond the 64 the device has");
        }
        return Optional.empty();
    }

    /** Why FEATURES_OK may not be set with the status bits {@code want}, or empty if it may. */
    Optional<String> featuresOkRefusal(int want) {
        if ((want & DeviceStatus.DRIVER) == 0) {
            return Optional.of("FEATURES_OK set before DRIVER");
        }
        if ((driverFeatures & VirtioFeatures.VERSION_1) == 0) {
            return Optional.of("driver did not accept VIRTIO_F_VERSION_1 (legacy drivers are not supported)");
        }
        if (unofferedFeatureAccepted) {
            return Optional.of("driver accepted feature bits above 63, which the device did not offer");
        }
        if ((driverFeatures & ~offered) != 0) {
            return Optional.of("driver accepted features 0x" + Long.toHexString(driverFeatures & ~offered)
                    + " the device did not offer");
        }
        return Optional.empty();
    }

    void reset() {
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        driverFeatures = 0;
        unofferedFeatureAccepted = false;
    }

    int deviceFeaturesSel() {
        return deviceFeaturesSel;
    }

    int driverFeaturesSel() {
        return driverFeaturesSel;
    }

    long driverFeatures() {
        return driverFeatures;
    }

    /** The negotiation as a snapshot saved it. */
    void restore(int deviceFeaturesSel, int driverFeaturesSel, long driverFeatures) {
        this.deviceFeaturesSel = deviceFeaturesSel;
        this.driverFeaturesSel = driverFeaturesSel;
        this.driverFeatures = driverFeatures;
    }
}
