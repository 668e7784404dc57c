package dev.caravan.api;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;
import dev.caravan.routing.CallContext;
import dev.caravan.streaming.StreamRelay;
import dev.caravan.streaming.VertxClientChannel;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

import java.util.function.Consumer;

/** Where a chat request enters: gives it an id and a {@link CallContext}, then reads and validates its body. */
public final class RequestIntake {

    private final OpenAiRequestParser openAi = new OpenAiRequestParser();
    private final SimpleChatParser simple = new SimpleChatParser();
    private final Consumer<CallContext> openStream;

    /** {@code relay} opens a streamed answer's response as soon as the answer is committed. */
    public RequestIntake(StreamRelay relay) {
        this.openStream = relay::open;
    }

    /** Starts the journey for the API shape {@code api} (openai or simple). */
    public void begin(Exchange exchange, String api) {
        String callerId = RequestIds.callersOwn(exchange.getMessage().getHeader(ResponseHeaders.REQUEST_ID,
                String.class));
        String ownId = RequestIds.next();
        CallContext call = new CallContext(callerId != null ? callerId : ownId, api, ownId);
        if (exchange.getIn() instanceof HttpMessage http) {
            call.client(new VertxClientChannel(http.getResponse()));
            call.whenStreaming(openStream);
        }
        exchange.setProperty(CallContext.PROPERTY, call);
    }

    public void parse(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        String contentType = exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType != null && !contentType.toLowerCase().contains("json")) {
            throw new GatewayException(415, "invalid_request_error", "unsupported_media_type", null,
                    "Content-Type must be application/json, got '" + contentType + "'", false, 0);
        }
        byte[] body = exchange.getMessage().getBody(byte[].class);
        ChatRequest request = "simple".equals(call.api()) ? simple.parse(body) : openAi.parse(body);
        call.request(request);
    }
}
