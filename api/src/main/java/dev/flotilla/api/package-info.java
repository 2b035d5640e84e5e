/**
 * Flotilla's management API over Akka HTTP: Firecracker's per-VM resources under {@code /vms/{id}} and the fleet
 * resources beside them.
 *
 * <p>The layer only parses, validates and hands one typed message to the fleet actor, as Firecracker's API
 * server hands one action to its VMM; the pre-/post-boot rules live in the fleet. A request goes through
 * {@link dev.flotilla.api.ApiRouter}, which dispatches on the {@link dev.flotilla.api.ApiRoute} table (also the
 * source the OpenAPI test checks {@code openapi.yaml} against): bearer token, 404/405, path ids, body size and
 * media type, then the handler ({@link dev.flotilla.api.VmResources}, {@link dev.flotilla.api.FleetResources}).
 * JSON goes through one strict Jackson mapper into the validated records of {@code dev.flotilla.vm.config}
 * ({@code json} package). Every failure becomes {@code {"fault_message": ...}} in {@link dev.flotilla.api.Faults},
 * the one status mapping: bad input 4xx, 429 with Retry-After over the creation rate, 503 when the fleet does
 * not answer in time, 500 only for Flotilla's own faults.
 *
 * <p>Creation is idempotent and its answers are true. {@code POST /vms} repeating an earlier creation (same id
 * and body, or same {@code Idempotency-Key} header and body — the key is kept with the VM in the desired state)
 * is answered 200 with that VM; the same id or key with another body is 409. The fleet answers a creation
 * once the VM runs (201) or, when its start outlasts the fleet's {@code answer-start-within} (kept below this
 * API's ask timeout), once it is durable and still starting: 202 Accepted with a Location to poll. So a VM
 * that is created is never answered with an error; the one exception is a fleet too slow to answer at all,
 * whose 503 says that the VM may exist and that repeating the request (with its id or key) is safe.
 *
 * <p>Security ({@link dev.flotilla.api.ApiSettings}): loopback by default; any other bind needs a bearer token,
 * compared in constant time on every request; bodies bounded (64 KiB default); ids checked against
 * {@code VmSpec.ID_PATTERN} before any lookup; every host path in a body confined to the allowed roots after
 * symlink resolution ({@link dev.flotilla.api.HostPaths}: a clear 400 at PUT time); and the fleet keys every
 * change by the path's VM id, so one VM's resources cannot name another's. The PUT-time check is for the
 * answer only: the file can change after it, so the daemon opens every file again beneath its root's fd at
 * each use ({@code dev.flotilla.kvm.hostfs.HostFiles}, built from the same roots), and that is the check that
 * protects the host.
 */
package dev.flotilla.api;
