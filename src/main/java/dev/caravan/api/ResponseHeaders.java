package dev.caravan.api;

import dev.caravan.auth.AnswerHeaders;
import dev.caravan.routing.CallContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.util.LinkedHashMap;
import java.util.Map;

/** The headers every answer carries: request id, who served it, its cost and how many attempts it took. */
public final class ResponseHeaders {

    public static final String REQUEST_ID = "x-request-id";
    public static final String PROVIDER = "x-caravan-provider";
    public static final String MODEL = "x-caravan-model";
    public static final String COST = "x-caravan-cost";
    public static final String ATTEMPTS = "x-caravan-attempts";

    private ResponseHeaders() {
    }

    public static Map<String, String> of(CallContext call) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(REQUEST_ID, call.requestId());
        if (call.provider() != null) {
            headers.put(PROVIDER, call.provider());
            headers.put(MODEL, call.servedModel());
        }
        if (call.cost() != null) {
            headers.put(COST, call.cost().toPlainString());
        }
        headers.put(ATTEMPTS, Integer.toString(call.attempts()));
        return headers;
    }

    public static void put(Message message, CallContext call) {
        of(call).forEach(message::setHeader);
    }

    /**
     * Puts them on the HTTP response itself where there is one ({@link AnswerHeaders}), which spares Camel copying
     * each one from the message to the response through its header filter.
     */
    public static void putOnResponse(Exchange exchange, CallContext call) {
        of(call).forEach((name, value) -> AnswerHeaders.put(exchange, name, value));
    }
}
