package dev.flotilla.api;

import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.StatusCodes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The bearer-token check run on every request when a token is configured. Both sides are hashed before a
 * {@link MessageDigest#isEqual} compare, so neither the content nor the length of the token leaks through
 * timing. Thread-safe: immutable.
 */
public final class BearerToken {

    private final Optional<byte[]> expectedDigest;

    public BearerToken(Optional<String> token) {
        this.expectedDigest = token.map(BearerToken::sha256);
    }

    public boolean required() {
        return expectedDigest.isPresent();
    }

    /** @throws ApiFault 401 when a token is configured and the request does not carry it */
    public void check(HttpRequest request) {
        if (expectedDigest.isEmpty()) return;
        Optional<String> header = request.getHeader("Authorization").map(h -> h.value());
        if (header.isEmpty()) {
            throw new ApiFault(StatusCodes.UNAUTHORIZED, "this API needs a bearer token: send the header 'Authorization: Bearer <token>' "
                    + "with the token the daemon was configured with");
        }
        String value = header.get();
        String given = value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).trim() : "";
        if (!MessageDigest.isEqual(sha256(given), expectedDigest.get())) {
            throw new ApiFault(StatusCodes.UNAUTHORIZED, "the bearer token is wrong or malformed: send 'Authorization: Bearer <token>' "
                    + "with the token the daemon was configured with");
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
