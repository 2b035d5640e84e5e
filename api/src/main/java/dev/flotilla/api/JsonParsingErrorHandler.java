package dev.flotilla.api;

import akka.event.LoggingAdapter;
import akka.http.javadsl.model.HttpResponse;
import akka.http.scaladsl.model.ErrorInfo;
import akka.http.scaladsl.model.StatusCode;
import akka.http.scaladsl.settings.ServerSettings;

/**
 * Requests too malformed to reach the router (URI or headers over Akka's limits, a broken request line) still
 * get the API's {@code {"fault_message": ...}} body. Akka instantiates this by class name (see
 * {@link ApiServer}); it must keep its public no-argument constructor.
 */
public final class JsonParsingErrorHandler extends akka.http.ParsingErrorHandler {

    public JsonParsingErrorHandler() {}

    @Override
    public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
        String summary = info.summary().isEmpty() ? status.reason() : info.summary();
        String detail = info.detail().isEmpty() ? "" : ": " + info.detail();
        String message = summary + detail;
        if (message.length() > 300) message = message.substring(0, 300) + "...";
        return Replies.fault(status, "the request could not be parsed (" + message + ")");
    }
}
