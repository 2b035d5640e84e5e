package dev.flotilla.api;

import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.server.Directives;
import akka.http.javadsl.server.Route;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** What every handler does with its answer: complete the request with it, or with the fault it failed with. */
final class Handlers {

    private Handlers() {}

    static Route reply(Supplier<CompletionStage<HttpResponse>> work) {
        CompletionStage<HttpResponse> stage;
        try {
            stage = work.get();
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return Directives.completeWithFuture(stage.exceptionally(Faults::response));
    }
}
