package dev.flotilla.ops.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A burst of {@code POST /vms} through the REST API, as a client sees it: every request is sent (all at once,
 * or paced at a rate), a 429 is retried after its Retry-After (so a burst over the fleet's admission rate still
 * ends with every VM created, as a well-behaved client does), and then GET /vms is polled until every created
 * VM reports its boot time. Used by the demo and by {@code flotilla bench api}.
 */
public final class ApiBurst {

    /** The outcome of one VM's creation: its final answer, how many 429s came before it, and when it came. */
    public record Creation(String id, int status, int rateLimited, double lastRequestMs, double answeredAtMs, String fault) {
        public boolean created() {
            return status == 201 || status == 200;
        }
    }

    /** What the burst measured. Times in ms from the first request; {@code allBootedAtMs} is -1 if some never booted. */
    public record Result(List<Creation> creations, Map<String, FlotillaClient.VmStatus> vms, double lastAdmittedAtMs,
                         double allBootedAtMs, long sent) {

        public List<Creation> created() {
            return creations.stream().filter(Creation::created).toList();
        }

        public long booted() {
            return created().stream().filter(c -> vms.containsKey(c.id()) && vms.get(c.id()).booted()).count();
        }
    }

    /** Progress counters, for a status line. */
    public record Progress(int total, int answered, int created, int rateLimited, int failed, long booted) {}

    private final FlotillaClient client;
    private final Path kernel;
    private final String bootArgs;
    private final long memMib;

    public ApiBurst(FlotillaClient client, Path kernel, String bootArgs, long memMib) {
        this.client = client;
        this.kernel = kernel;
        this.bootArgs = bootArgs;
        this.memMib = memMib;
    }

    /**
     * @param ratePerSecond requests per second, or 0 to send them all at once
     * @param retry429      whether a 429 is retried after its Retry-After (else it is the final answer)
     * @param bootDeadline  how long to wait for every created VM to boot
     */
    public Result run(List<String> ids, double ratePerSecond, boolean retry429, Duration bootDeadline, Consumer<Progress> progress) {
        int n = ids.size();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "api-burst-timer");
            t.setDaemon(true);
            return t;
        });
        long t0 = System.nanoTime();
        AtomicInteger answered = new AtomicInteger(), created = new AtomicInteger(), limited = new AtomicInteger(),
                failed = new AtomicInteger(), sent = new AtomicInteger();
        List<Creation> creations = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Creation>> all = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                String id = ids.get(i);
                CompletableFuture<Creation> done = new CompletableFuture<>();
                all.add(done);
                long delayNanos = ratePerSecond > 0 ? (long) (i * 1e9 / ratePerSecond) : 0;
                Runnable first = () -> attempt(id, 0, retry429, t0, timer, sent, done);
                if (delayNanos == 0) first.run();
                else timer.schedule(first, delayNanos, TimeUnit.NANOSECONDS);
                done.thenAccept(c -> {
                    creations.add(c);
                    answered.incrementAndGet();
                    if (c.created()) created.incrementAndGet();
                    else failed.incrementAndGet();
                    limited.addAndGet(c.rateLimited());
                    progress.accept(new Progress(n, answered.get(), created.get(), limited.get(), failed.get(), 0));
                });
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        } finally {
            timer.shutdownNow();
        }
        double lastAdmitted = creations.stream().filter(Creation::created).mapToDouble(Creation::answeredAtMs).max().orElse(-1);
        // boots: poll the registry until every created VM shows its boot time
        Map<String, FlotillaClient.VmStatus> seen = new HashMap<>();
        long deadline = System.nanoTime() + bootDeadline.toNanos();
        double allBooted = -1;
        List<String> wanted = creations.stream().filter(Creation::created).map(Creation::id).toList();
        while (System.nanoTime() < deadline) {
            for (FlotillaClient.VmStatus v : client.listVms()) seen.put(v.id(), v);
            long booted = wanted.stream().filter(id -> seen.containsKey(id) && seen.get(id).booted()).count();
            progress.accept(new Progress(n, answered.get(), created.get(), limited.get(), failed.get(), booted));
            if (booted == wanted.size()) {
                allBooted = (System.nanoTime() - t0) / 1e6;
                break;
            }
            sleep(50);
        }
        List<Creation> ordered = new ArrayList<>(creations);
        ordered.sort(java.util.Comparator.comparing(Creation::id));
        return new Result(ordered, seen, lastAdmitted, allBooted, sent.get());
    }

    private void attempt(String id, int limitedSoFar, boolean retry429, long t0, ScheduledExecutorService timer,
                         AtomicInteger sent, CompletableFuture<Creation> done) {
        sent.incrementAndGet();
        client.send("POST", "/vms", FlotillaClient.vmBody(id, kernel, bootArgs, 1, memMib)).whenComplete((a, err) -> {
            double at = (System.nanoTime() - t0) / 1e6;
            if (err != null) {
                done.complete(new Creation(id, -1, limitedSoFar, -1, at, "no answer: " + err.getCause()));
            } else if (a.status() == 429 && retry429) {
                long wait = a.retryAfter().orElse(Duration.ofSeconds(1)).toMillis();
                // spread the retries over the second the server named, so they do not all come back at once
                long jitter = (long) (Math.random() * 1000);
                timer.schedule(() -> attempt(id, limitedSoFar + 1, true, t0, timer, sent, done), wait + jitter, TimeUnit.MILLISECONDS);
            } else {
                done.complete(new Creation(id, a.status(), limitedSoFar + (a.status() == 429 ? 1 : 0),
                        a.latency().toNanos() / 1e6, at, a.ok() ? "" : a.body()));
            }
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
