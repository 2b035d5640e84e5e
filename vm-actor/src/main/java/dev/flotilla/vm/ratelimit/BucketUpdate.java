package dev.flotilla.vm.ratelimit;

import java.util.Objects;

/**
 * What a rate-limiter PATCH does to one bucket, as in Firecracker: leave it, remove it, or replace
 * it with a new (full) bucket.
 */
public sealed interface BucketUpdate permits BucketUpdate.Keep, BucketUpdate.Disable, BucketUpdate.Replace {

    /** The PATCH did not mention this bucket. */
    record Keep() implements BucketUpdate {
    }

    /** The bucket goes away: no limit. */
    record Disable() implements BucketUpdate {
    }

    /** A new bucket from {@code config}; a disabled config (size or refill 0) means {@link Disable}. */
    record Replace(BucketConfig config) implements BucketUpdate {
        public Replace {
            Objects.requireNonNull(config, "config");
        }
    }

    static BucketUpdate keep() {
        return new Keep();
    }

    static BucketUpdate disable() {
        return new Disable();
    }

    static BucketUpdate replace(BucketConfig config) {
        return new Replace(config);
    }

    /** Firecracker's PATCH body: an absent bucket keeps the old one, a present one replaces it. */
    static BucketUpdate fromPatch(BucketConfig configOrNull) {
        return configOrNull == null ? keep() : replace(configOrNull);
    }
}
