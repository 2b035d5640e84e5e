package dev.flotilla.fleet;

import dev.flotilla.fleet.store.DefinitionCodec;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Idempotent creation: what makes a repeated POST /vms answer with the VM it created instead of making a
 * second one. A VM created in this process keeps its creation request and a repeat is compared with it
 * (record equality, id aside when the API made the id up); the store keeps the request's fingerprint
 * ({@link DefinitionCodec#fingerprint}, computed on its writer thread), against which a repeat is compared
 * after a restart. Its Idempotency-Key names that VM while it exists (a deleted VM frees its key). Owned by
 * the fleet actor; not thread-safe.
 */
final class CreationRequests {

    private static final DefinitionCodec CODEC = new DefinitionCodec();

    private final Map<String, String> vmByKey = new HashMap<>();

    /** The VM whose creation came with {@code key}, if it still exists. */
    Optional<String> vmFor(String key) {
        return Optional.ofNullable(vmByKey.get(key));
    }

    /** {@code e} was created now by {@code request}. */
    void remember(VmEntry e, VmDefinition request, Optional<String> key) {
        e.creationRequest = request;
        rememberKey(e, key);
    }

    /** {@code e} was created before a restart, by a request with this fingerprint. */
    void remember(VmEntry e, String fingerprint, Optional<String> key) {
        e.creationFingerprint = fingerprint;
        rememberKey(e, key);
    }

    private void rememberKey(VmEntry e, Optional<String> key) {
        e.idempotencyKey = key;
        key.ifPresent(k -> vmByKey.put(k, e.id()));
    }

    /** {@code e} is gone: its key may name a new VM. */
    void forget(VmEntry e) {
        e.idempotencyKey.ifPresent(k -> vmByKey.remove(k, e.id()));
    }

    static boolean createdByRequest(VmEntry e) {
        return e.creationRequest != null || e.creationFingerprint != null;
    }

    /**
     * Whether {@code request} repeats the creation of {@code e}: the same definition (id aside when the id was
     * not the client's), and the same id when it was.
     */
    static boolean repeats(VmEntry e, FleetProtocol.CreateVm request) {
        if (request.idFromRequest() && !request.definition().id().equals(e.id())) return false;
        VmDefinition asThisVm = request.definition().withId(e.id());
        if (e.creationRequest != null) return e.creationRequest.equals(asThisVm);
        return e.creationFingerprint != null && e.creationFingerprint.equals(CODEC.fingerprint(asThisVm));
    }
}
