package dev.flotilla.api;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Location;
import dev.flotilla.api.json.Bodies;
import dev.flotilla.api.json.Json;

/** The response shapes: JSON with a status, Firecracker's 204 for accepted changes, and the fault body. */
public final class Replies {

    private Replies() {}

    public static HttpResponse ok(Object body) {
        return json(StatusCodes.OK, body);
    }

    public static HttpResponse json(StatusCode status, Object body) {
        return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, Json.write(body));
    }

    public static HttpResponse noContent() {
        return HttpResponse.create().withStatus(StatusCodes.NO_CONTENT);
    }

    public static HttpResponse created(String location, Object body) {
        return json(StatusCodes.CREATED, body).addHeader(Location.create(location));
    }

    /** 202: the request is taken and durable, its work still under way; Location is where to follow it. */
    public static HttpResponse accepted(String location, Object body) {
        return json(StatusCodes.ACCEPTED, body).addHeader(Location.create(location));
    }

    /** 200 with the resource's Location: a repeated creation, answered with what the first one created. */
    public static HttpResponse existing(String location, Object body) {
        return json(StatusCodes.OK, body).addHeader(Location.create(location));
    }

    public static HttpResponse fault(StatusCode status, String message, HttpHeader... headers) {
        HttpResponse r = json(status, new Bodies.Fault(message));
        for (HttpHeader h : headers) r = r.addHeader(h);
        return r;
    }
}
