package dev.flotilla.vm.ratelimit;

/** The outcome of taking tokens from a {@link TokenBucket}. */
public enum BucketReduction {
    /** The tokens were there and are taken. */
    OK,
    /**
     * The request is larger than the whole bucket: it is let through once, the bucket is drained
     * and the excess becomes a debt that refill pays off before anything else passes (Firecracker
     * blocks the limiter for the same time). Without this, such a request could never pass.
     */
    OVERCONSUMPTION,
    /** Not enough tokens now; nothing was taken. */
    FAILURE;

    /** True if the request may proceed. */
    public boolean allowed() {
        return this != FAILURE;
    }
}
