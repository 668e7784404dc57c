package dev.caravan.providers;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;
import dev.caravan.ledger.PromptEstimate;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.Target;
import dev.caravan.streaming.EventLoopSseStream;
import io.netty.handler.codec.DecoderException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.AsyncProcessorSupport;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Sends a provider's prepared request (method, headers and body as its codec's {@code prepare} left them) with
 * Vert.x's HTTP client, and leaves the answer on the message: the status in {@code CamelHttpResponseCode}, the
 * upstream's headers, and as the body the answer's bytes, or for a streamed answer (status below 400) the
 * {@link EventLoopSseStream} that reads it. An asynchronous step: the call is made from the event loop that read the
 * caller's request (Vert.x's client, called from another thread, can lose its callback), so no thread waits for
 * the upstream. A good single answer is read and written on that event loop, which is awake anyway, when nothing
 * after it can block (budgets counted in memory); a stream is handed on, on the loop, once it has really begun (its
 * events are relayed from there, see {@link dev.caravan.streaming.StreamRelay}); otherwise, and after any failure,
 * the route goes on from a worker thread, since retries wait and stores may call over the network. (Each attempt of
 * the dispatch loop starts off the event loop again when it may block, see {@code offEventLoop} in dispatch.yaml.)
 * <p>
 * Failures surface as a blocking HTTP client's would, for the dispatch loop's classification: refused or timed-out
 * connections as {@code ConnectException}s, an idle or call timeout as a {@code SocketTimeoutException}, a dropped
 * connection as a {@code SocketException}; an answer that is not valid HTTP, a stream that fails before its answer
 * began, or a single answer over its bound ({@link BoundedBody}), as a retryable {@code GatewayException}. For {@code https} the server's certificate is checked
 * against the JVM's trust store and its host name, and the host is named in the handshake (SNI) whatever its form, as
 * TLS front ends shared by many hosts require.
 */
public final class EventLoopHttpCall extends AsyncProcessorSupport {

    /** Most connections to the upstream per event loop. */
    private static final int MAX_CONNECTIONS = 1000;

    private final URI url;
    private final int connectTimeoutMs;
    private final long idleTimeoutMs;
    private final long callTimeoutMs;
    private final boolean tailOnLoop;
    private final HttpProviderCodec codec;
    /** Vert.x's clients by the event-loop thread they are used from (see {@link #client}). */
    private final Map<Thread, HttpClient> clients = new ConcurrentHashMap<>();

    /**
     * {@code url}: the endpoint's absolute URL, unless the prepared request names its own in {@code CamelHttpUri}
     * (a named provider account's, built from its configuration by {@link AccountCalls}); the time limits: to
     * connect, for a stream's head and between its events ({@code idleTimeoutMs}), and for a whole single answer,
     * which sends nothing until the model has finished ({@code callTimeoutMs}, never past the request's deadline);
     * {@code tailOnLoop}: whether the steps after a good answer never block; {@code codec}: the provider's wire
     * format, to read streamed answers.
     */
    public EventLoopHttpCall(String url, int connectTimeoutMs, long idleTimeoutMs, long callTimeoutMs,
                             boolean tailOnLoop, HttpProviderCodec codec) {
        this.codec = codec;
        this.url = httpUrl(url);
        this.connectTimeoutMs = connectTimeoutMs;
        this.idleTimeoutMs = idleTimeoutMs;
        this.callTimeoutMs = callTimeoutMs;
        this.tailOnLoop = tailOnLoop;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        // On platform-http's worker the current context is the event loop's that read the request.
        Context loop = Vertx.currentContext();
        if (loop == null) {
            exchange.setException(new IllegalStateException("a provider call outside an HTTP request's context"));
            callback.done(true);
            return true;
        }
        Message message = exchange.getMessage();
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        boolean stream = call != null && call.isStream();
        LongSupplier promptEstimate = stream ? promptEstimate(call) : null;
        // A stream's head comes at once and then its events, each within the idle timeout; a single answer's head
        // comes only when the whole answer is ready, so its wait is the call's limit.
        long headTimeoutMs = stream ? idleTimeoutMs : singleAnswerLimitMs(call);
        RequestOptions request;
        try {
            request = request(message, headTimeoutMs);
        } catch (IllegalArgumentException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        byte[] body = message.getBody(byte[].class);
        long sentNanos = System.nanoTime();
        loop.runOnContext(go -> client(loop.owner()).request(request)
                .compose(sent -> sent.send(body == null ? Buffer.buffer() : Buffer.buffer(body)))
                .compose(response -> stream && response.statusCode() < 400
                        ? EventLoopSseStream.read(codec.provider(), response, loop,
                                JsonAnswers.streamDecoder(codec, call == null ? null : call.request(),
                                        call == null ? null : call.current().model()),
                                idleTimeoutMs, promptEstimate).map(begun -> answer(message, response, begun))
                        : BoundedBody.read(codec.provider(), response, stream ? idleTimeoutMs
                                        : headTimeoutMs - (System.nanoTime() - sentNanos) / 1_000_000)
                                .map(bytes -> answer(message, response, bytes.getBytes())))
                .onComplete(done -> {
                    if (done.failed()) {
                        exchange.setException(asSocketFailure(codec.provider(), done.cause()));
                    } else if (done.result() < 400 && (stream || tailOnLoop)) {
                        callback.done(false);
                        return;
                    }
                    OffEventLoop.continueOnWorker(loop.owner(), callback);
                }));
        return false;
    }

    /**
     * The prompt's tokens as the budget hold counted them ({@link PromptEstimate}: the request as the caller sent it,
     * on this attempt's target), for a stream that ends before its provider reported them; counted only when asked.
     */
    private static LongSupplier promptEstimate(CallContext call) {
        ChatRequest asked = call.request();
        Target target = call.current();
        return () -> PromptEstimate.tokens(asked, target);
    }

    /** The most a whole single answer may take: its call timeout, cut to what is left of the request's deadline. */
    private long singleAnswerLimitMs(CallContext call) {
        long left = call == null ? Long.MAX_VALUE : call.remainingMillis();
        return Math.max(1, Math.min(callTimeoutMs, left));
    }

    private RequestOptions request(Message message, long headTimeoutMs) {
        String perCall = message.getHeader(Exchange.HTTP_URI, String.class);
        URI target = perCall == null ? url : httpUrl(perCall);
        boolean tls = "https".equals(target.getScheme());
        String path = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.valueOf(message.getHeader(Exchange.HTTP_METHOD, "POST", String.class)))
                .setHost(target.getHost())
                .setPort(target.getPort() > 0 ? target.getPort() : tls ? 443 : 80)
                .setSsl(tls)
                .setURI(target.getRawQuery() == null ? path : path + "?" + target.getRawQuery())
                .setIdleTimeout(headTimeoutMs);
        for (Map.Entry<String, Object> header : message.getHeaders().entrySet()) {
            if (header.getValue() != null && !header.getKey().startsWith("Camel")) {
                request.putHeader(header.getKey(), header.getValue().toString());
            }
        }
        return request;
    }

    private static URI httpUrl(String url) {
        URI parsed = URI.create(url);
        if (parsed.getHost() == null || !("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme()))) {
            throw new IllegalArgumentException("not an http(s) URL: " + url);
        }
        return parsed;
    }

    /** Leaves the answer on the message (its bytes, or the stream that reads it); returns its status. */
    private static int answer(Message message, HttpClientResponse response, Object body) {
        message.removeHeaders("*");
        response.headers().forEach(header -> message.setHeader(header.getKey(), header.getValue()));
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, response.statusCode());
        message.setBody(body);
        return response.statusCode();
    }

    static Throwable asSocketFailure(String provider, Throwable failure) {
        if (failure instanceof TimeoutException) {
            SocketTimeoutException timeout = new SocketTimeoutException(failure.getMessage());
            timeout.initCause(failure);
            return timeout;
        }
        if (failure instanceof HttpClosedException) {
            SocketException closed = new SocketException("the upstream closed the connection");
            closed.initCause(failure);
            return closed;
        }
        if (failure instanceof DecoderException || failure instanceof IllegalArgumentException) {
            // Netty could not read the answer as HTTP (a header over the client's limit, a malformed status line or
            // chunk size): the upstream failed, as when it drops the connection; not the gateway
            return GatewayException.upstreamUnavailable(provider, "its answer is not valid HTTP ("
                    + failure.getClass().getSimpleName() + ")");
        }
        return failure;
    }

    /**
     * The client of the event loop this runs on, made on first use. One per loop, so that a request's upstream
     * connection lives on the loop that serves its caller: a connection made by another loop would hand every event
     * of the call over between the two threads.
     */
    private HttpClient client(Vertx vertx) {
        return clients.computeIfAbsent(Thread.currentThread(), loop -> vertx.createHttpClient(new HttpClientOptions()
                        .setConnectTimeout(connectTimeoutMs)
                        .setKeepAlive(true)
                        .setVerifyHost(true)
                        .setForceSni(true),
                new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS)));
    }

    @Override
    protected void doStop() {
        clients.values().forEach(HttpClient::close);
        clients.clear();
    }
}
