package dev.caravan.auth;

import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

/**
 * Puts a header on the caller's answer. On the Vert.x edge it goes onto the HTTP response itself, where neither the
 * answer writers nor the error responder (which reset the message's headers) remove it, and where streamed answers
 * pick it up too.
 */
public final class AnswerHeaders {

    private AnswerHeaders() {
    }

    public static void put(Exchange exchange, String name, String value) {
        if (exchange.getIn() instanceof HttpMessage http && http.getResponse() != null && !http.getResponse().headWritten()) {
            http.getResponse().putHeader(name, value);
        } else {
            exchange.getMessage().setHeader(name, value);
        }
    }
}
