package dev.flotilla.vm.config;

/**
 * A VM configuration value was refused. The message is meant for the API user as is (it names the
 * Firecracker API field and says what is accepted); {@link #field()} lets the API point at it.
 */
public final class InvalidConfigException extends IllegalArgumentException {

    private final String field;

    public InvalidConfigException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The API field at fault, in the API's snake_case ("vcpu_count", "boot_args"). */
    public String field() {
        return field;
    }
}
