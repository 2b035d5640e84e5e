package dev.flotilla.fleet;

import dev.flotilla.fleet.store.DefinitionCodec;
import dev.flotilla.fleet.store.StoredVm;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Idempotent creation: what makes a repeated POST /vms answer with the VM it created instead of making a
 * second one. A creation is remembered (in the VM's entry and durably in its store row) by the fingerprint of
 * its definition — the SHA-256 of the store's canonical JSON with the id set aside, so an id-less request
 * repeated under its Idempotency-Key matches whatever id the first one got — and by its Idempotency-Key, which
 * names that VM while it exists (a deleted VM frees its key). Owned by the fleet actor; not thread-safe.
 */
final class CreationRequests {

    /** Stands in for the id in a fingerprint: a valid id no user-chosen one collides with in meaning. */
    private static final String ANY_ID = "fingerprint";
    private static final DefinitionCodec CODEC = new DefinitionCodec();

    private final Map<String, String> vmByKey = new HashMap<>();

    static String fingerprint(VmDefinition d) {
        try {
            byte[] json = CODEC.encode(d.withId(ANY_ID)).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** The VM whose creation came with {@code key}, if it still exists. */
    Optional<String> vmFor(String key) {
        return Optional.ofNullable(vmByKey.get(key));
    }

    /** {@code e} was created (now, or before a restart) by the request {@code creation}. */
    void remember(VmEntry e, StoredVm.Creation creation) {
        e.creation = Optional.of(creation);
        creation.idempotencyKey().ifPresent(k -> vmByKey.put(k, e.id()));
    }

    /** {@code e} is gone: its key may name a new VM. */
    void forget(VmEntry e) {
        e.creation.flatMap(StoredVm.Creation::idempotencyKey).ifPresent(k -> vmByKey.remove(k, e.id()));
    }

    /**
     * Whether {@code request} repeats the creation of {@code e}: the same definition (id aside, when the id
     * was not the client's), and the same id when it was.
     */
    static boolean repeats(VmEntry e, FleetProtocol.CreateVm request, String fingerprint) {
        if (e.creation.isEmpty() || !e.creation.get().fingerprint().equals(fingerprint)) return false;
        return !request.idFromRequest() || request.definition().id().equals(e.id());
    }
}
