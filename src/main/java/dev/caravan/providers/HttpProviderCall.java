package dev.caravan.providers;

import dev.caravan.core.ChatResponse;
import dev.caravan.core.GatewayException;
import dev.caravan.core.JsonAnswerTool;
import dev.caravan.routing.CallContext;
import dev.caravan.streaming.UpstreamStream;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.util.Map;

/**
 * The two halves of an HTTP provider call around the route's send step ({@link EventLoopHttpCall}): {@link #prepare}
 * turns the call into the upstream's request, {@link #read} turns the upstream's answer into the call's outcome.
 * Retryable failures are thrown (the circuit breaker counts them and its fallback moves on); the caller's own errors end
 * the call without counting against the provider.
 */
public final class HttpProviderCall {

    private final HttpProviderCodec codec;
    private final Map<String, String> upstreamHeaders;

    /** {@code upstreamHeaders} carry the provider's credentials; they are never logged or returned. */
    public HttpProviderCall(HttpProviderCodec codec, Map<String, String> upstreamHeaders) {
        this.codec = codec;
        this.upstreamHeaders = Map.copyOf(upstreamHeaders);
    }

    public void prepare(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_METHOD, "POST");
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader("Accept", call.isStream() ? "text/event-stream" : "application/json");
        upstreamHeaders.forEach(message::setHeader);
        JsonAnswerTool answerTool = answerTool(call);
        message.setBody(codec.encodeRequest(answerTool == null ? call.request() : answerTool.offeredIn(call.request()),
                call.current().model()));
    }

    private JsonAnswerTool answerTool(CallContext call) {
        return JsonAnswers.tool(codec, call.request(), call.current().model());
    }

    /** The provider's wire format. */
    public HttpProviderCodec codec() {
        return codec;
    }

    public void read(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        Message message = exchange.getMessage();
        Integer status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        // EventLoopHttpCall leaves the answer's bytes, or for a stream that has begun the stream that reads it.
        Object body = message.getBody();
        message.setBody(null);
        if (status == null || status >= 400) {
            int code = status == null ? 502 : status;
            GatewayException error = codec.decodeError(code, body instanceof byte[] bytes ? bytes : new byte[0],
                    name -> message.getHeader(name, String.class));
            if (call.account() != null && error.refusesTheGateway()) {
                // The operator has to know which of the provider's keys was refused.
                String account = call.provider() + " account " + call.account();
                error = GatewayException.BILLING_REFUSED.equals(error.code()) ? GatewayException.billingRefused(account)
                        : GatewayException.credentialsRefused(account, code);
            }
            if (error.retryable()) {
                throw error;
            }
            call.giveUp(error);
            return;
        }
        if (body instanceof UpstreamStream stream) {
            call.streaming(stream);
        } else {
            ChatResponse answer = codec.answerFor(call.request(),
                    codec.decodeResponse(body instanceof byte[] bytes ? bytes : new byte[0]));
            JsonAnswerTool answerTool = answerTool(call);
            call.answered(answerTool == null ? answer : answerTool.answer(answer));
        }
    }
}
