package dev.caravan.providers;

import dev.caravan.core.GatewayException;
import dev.caravan.routing.CallContext;
import dev.caravan.streaming.SseUpstreamStream;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.http.HttpMethods;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.DefaultExchange;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The two halves of an HTTP provider call around the route's {@code to} step: {@link #prepare} turns the call
 * into the upstream's request, {@link #read} turns the upstream's answer into the call's outcome. Retryable
 * failures are thrown (the circuit breaker counts them and its fallback moves on); the caller's own errors end
 * the call without counting against the provider.
 */
public final class HttpProviderCall {

    private static final int MAX_ERROR_BODY = 64 * 1024;

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
        message.setHeader(Exchange.HTTP_METHOD, HttpMethods.POST);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader("Accept", call.isStream() ? "text/event-stream" : "application/json");
        upstreamHeaders.forEach(message::setHeader);
        message.setBody(codec.encodeRequest(call.request(), call.current().model()));
    }

    public void read(Exchange exchange) throws IOException {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        Message message = exchange.getMessage();
        Integer status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        // The event-loop call leaves the answer's bytes; camel-http leaves a stream to read.
        byte[] read = message.getBody() instanceof byte[] bytes ? bytes : null;
        InputStream body = message.getBody(InputStream.class);
        message.setBody(null);
        if (status == null || status >= 400) {
            byte[] bytes = body == null ? new byte[0] : body.readNBytes(MAX_ERROR_BODY);
            GatewayException error = codec.decodeError(status == null ? 502 : status, bytes,
                    name -> message.getHeader(name, String.class));
            if (error.retryable()) {
                throw error;
            }
            call.giveUp(error);
            return;
        }
        if (!call.isStream()) {
            call.answered(codec.decodeResponse(read != null ? read
                    : readAnswer(body, message.getHeader("Content-Length", Long.class))));
            return;
        }
        List<Synchronization> completions = takeHttpClientCleanup(exchange);
        SseUpstreamStream stream = new SseUpstreamStream(codec.provider(), body, codec.newStreamDecoder(),
                () -> completions.forEach(s -> s.onComplete(exchange)));
        stream.peek();
        call.streaming(stream);
    }

    /** The answer's bytes: with a declared length read in one buffer of that size (readAllBytes grows 8 KiB ones). */
    private static byte[] readAnswer(InputStream body, Long declaredLength) throws IOException {
        if (body == null) {
            return new byte[0];
        }
        if (declaredLength != null && declaredLength >= 0 && declaredLength < Integer.MAX_VALUE) {
            return body.readNBytes(declaredLength.intValue());
        }
        return body.readAllBytes();
    }

    /**
     * camel-http releases a streamed response when the exchange completes by reading it to the end (inside the
     * former circuitBreaker EIP, as soon as its step ended, before the relay saw the stream), which for a stream
     * the caller left would read the upstream's whole answer. The relay owns the stream from here and releases the
     * connection itself (after aborting it).
     */
    private static List<Synchronization> takeHttpClientCleanup(Exchange exchange) {
        Exchange holder = new DefaultExchange(exchange.getContext());
        if (exchange.getUnitOfWork() != null) {
            exchange.getUnitOfWork().handoverSynchronization(holder,
                    s -> s.getClass().getName().startsWith("org.apache.camel.component.http."));
        }
        List<Synchronization> fromUnitOfWork = holder.getExchangeExtension().handoverCompletions();
        List<Synchronization> fromExchange = exchange.getExchangeExtension().handoverCompletions();
        List<Synchronization> all = new ArrayList<>();
        if (fromUnitOfWork != null) {
            all.addAll(fromUnitOfWork);
        }
        if (fromExchange != null) {
            all.addAll(fromExchange);
        }
        return all;
    }
}
