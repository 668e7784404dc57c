package dev.caravan.providers;

import dev.caravan.core.GatewayException;
import dev.caravan.providers.openai.OpenAiCodec;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provider call made from the event loop, against a real HTTP server on 127.0.0.1: the answer as a blocking
 * HTTP client would leave it, failures as its exceptions, and on which thread the route goes on.
 */
class EventLoopHttpCallTest {

    static Vertx vertx;
    static HttpServer upstream;
    static DefaultCamelContext camel;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        upstream = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            switch (request.path()) {
                case "/ok" -> request.response().putHeader("content-type", "application/json")
                        .putHeader("x-request-id", "req-1")
                        .end("{\"echo\":" + body + ",\"auth\":\"" + request.getHeader("Authorization") + "\"}");
                case "/busy" -> request.response().setStatusCode(503).putHeader("retry-after", "2").end("{}");
                case "/account" -> request.response().end(request.uri() + " " + request.headers().names().stream()
                        .filter(name -> name.startsWith("Camel")).toList());
                case "/peer" -> request.response().end(String.valueOf(request.remoteAddress().port()));
                case "/huge" -> sendChunked(request.response().setStatusCode(200), BoundedBody.MAX_ANSWER_BYTES + 1);
                case "/huge-error" -> sendChunked(request.response().setStatusCode(500), 200 * 1024);
                case "/slow" -> vertx.setTimer(800, late -> request.response().end("{\"late\":true}"));
                case "/stalled-body" -> request.response().setChunked(true).write("{\"choices\":[");
                default -> { } // never answers
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        camel = new DefaultCamelContext();
        camel.start();
    }

    /** {@code total} bytes in 64 KiB chunks, with no declared length. */
    private static void sendChunked(io.vertx.core.http.HttpServerResponse response, int total) {
        response.setChunked(true);
        io.vertx.core.buffer.Buffer chunk = io.vertx.core.buffer.Buffer.buffer(new byte[64 * 1024]);
        for (int sent = 0; sent < total; sent += chunk.length()) {
            response.write(sent + chunk.length() <= total ? chunk : chunk.slice(0, total - sent));
        }
        response.end();
    }

    @AfterAll
    static void stop() throws Exception {
        camel.stop();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Calls as platform-http's worker does: from a worker thread of the request's event-loop context. */
    static Result call(String path, boolean tailOnLoop) throws Exception {
        EventLoopHttpCall call = new EventLoopHttpCall("http://127.0.0.1:" + upstream.actualPort() + path, 2_000, 300,
                2_000, tailOnLoop, new OpenAiCodec());
        return callWith(call);
    }

    static Result callWith(EventLoopHttpCall call) throws Exception {
        return callWith(call, new DefaultExchange(camel));
    }

    static Result callWith(EventLoopHttpCall call, Exchange exchange) throws Exception {
        return callOn(call, vertx.getOrCreateContext(), exchange);
    }

    static Result callOn(EventLoopHttpCall call, Context loop, Exchange exchange) throws Exception {
        exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
        exchange.getMessage().setHeader("Authorization", "Bearer sk-test");
        exchange.getMessage().setHeader("CamelInternalThing", "not sent");
        exchange.getMessage().setBody("{\"q\":1}".getBytes(StandardCharsets.UTF_8));
        CompletableFuture<Result> result = new CompletableFuture<>();
        loop.runOnContext(go -> loop.<Void>executeBlocking(onWorker -> {
            boolean sync = call.process(exchange, doneSync -> result.complete(
                    new Result(exchange, Thread.currentThread().getName(), Context.isOnEventLoopThread())));
            assertFalse(sync, "the call completes later");
            onWorker.complete();
        }, false));
        return result.get(10, TimeUnit.SECONDS);
    }

    record Result(Exchange exchange, String thread, boolean onEventLoop) {
        Integer status() {
            return exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        }

        String body() {
            return new String(exchange.getMessage().getBody(byte[].class), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aGoodAnswerIsLeftAsCamelHttpLeavesItAndReadOnTheEventLoop() throws Exception {
        Result result = call("/ok", true);
        assertNull(result.exchange().getException());
        assertEquals(200, result.status());
        assertEquals("req-1", result.exchange().getMessage().getHeader("X-Request-Id", String.class));
        assertEquals("{\"echo\":{\"q\":1},\"auth\":\"Bearer sk-test\"}", result.body());
        assertTrue(result.onEventLoop(), "read on the event loop, ran on " + result.thread());
    }

    @Test
    void whenWhatFollowsMayBlockTheRouteGoesOnOnAWorker() throws Exception {
        Result result = call("/ok", false);
        assertEquals(200, result.status());
        assertFalse(result.onEventLoop(), "ran on " + result.thread());
    }

    @Test
    void anErrorStatusGoesOnOnAWorkerWithTheUpstreamsHeaders() throws Exception {
        Result result = call("/busy", true);
        assertNull(result.exchange().getException());
        assertEquals(503, result.status());
        assertEquals("2", result.exchange().getMessage().getHeader("Retry-After", String.class));
        assertFalse(result.onEventLoop(), "ran on " + result.thread());
    }

    @Test
    void anAnswerLargerThanTheBoundFailsTheAttempt() throws Exception {
        Result result = call("/huge", true);
        GatewayException error = assertInstanceOf(GatewayException.class, result.exchange().getException());
        assertTrue(error.retryable(), "another provider may answer");
        assertTrue(error.getMessage().contains("larger than 16 MiB"), error.getMessage());
        assertFalse(result.onEventLoop(), "ran on " + result.thread());
    }

    @Test
    void anErrorAnswerIsKeptToItsFirst64KiB() throws Exception {
        Result result = call("/huge-error", true);
        assertNull(result.exchange().getException());
        assertEquals(500, result.status());
        assertEquals(BoundedBody.MAX_ERROR_BYTES, result.exchange().getMessage().getBody(byte[].class).length);
    }

    @Test
    void aSingleAnswerSlowerThanTheIdleTimeoutButWithinTheCallTimeoutIsRead() throws Exception {
        // A single answer sends nothing until it is whole: the idle timeout (300 ms) is not its limit.
        Result result = callWith(new EventLoopHttpCall("http://127.0.0.1:" + upstream.actualPort() + "/slow", 2_000,
                300, 5_000, true, new OpenAiCodec()));
        assertNull(result.exchange().getException());
        assertEquals("{\"late\":true}", result.body());
    }

    @Test
    void aSingleAnswerWhoseBodyStallsAfterItsHeadTimesOutAtTheCallTimeout() throws Exception {
        long start = System.nanoTime();
        Result result = callWith(new EventLoopHttpCall("http://127.0.0.1:" + upstream.actualPort() + "/stalled-body",
                2_000, 300, 500, true, new OpenAiCodec()));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertInstanceOf(SocketTimeoutException.class, result.exchange().getException());
        assertTrue(millis >= 500, "timed out after " + millis + " ms, before the call timeout");
    }

    @Test
    void anUpstreamThatGoesQuietTimesOutAsASocketTimeout() throws Exception {
        Result result = call("/hang", true);
        assertInstanceOf(SocketTimeoutException.class, result.exchange().getException());
        assertFalse(result.onEventLoop(), "ran on " + result.thread());
    }

    @Test
    void aNamedAccountsRequestGoesToTheUrlItsPrepareSet() throws Exception {
        EventLoopHttpCall account = new EventLoopHttpCall("http://127.0.0.1:" + upstream.actualPort(), 2_000, 300, 300,
                true, new OpenAiCodec());
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader(Exchange.HTTP_URI, "http://127.0.0.1:" + upstream.actualPort()
                + "/account?api-version=2024-10-21");
        Result result = callWith(account, exchange);
        assertEquals(200, result.status());
        assertEquals("/account?api-version=2024-10-21 []", result.body(), "path and query as set, no Camel header sent");
    }

    @Test
    void eachEventLoopCallsOverConnectionsOfItsOwn() throws Exception {
        EventLoopHttpCall call = new EventLoopHttpCall("http://127.0.0.1:" + upstream.actualPort() + "/peer", 2_000,
                1_000, 1_000, true, new OpenAiCodec());
        java.util.List<Context> loops = new java.util.concurrent.CopyOnWriteArrayList<>();
        vertx.deployVerticle(() -> new io.vertx.core.AbstractVerticle() {
            @Override
            public void start() {
                loops.add(context);
            }
        }, new io.vertx.core.DeploymentOptions().setInstances(2)).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        Context first = loops.get(0);
        Context second = loops.get(1);
        String firstLoop = loopThread(first);
        String secondLoop = loopThread(second);
        assertFalse(firstLoop.equals(secondLoop), "two loops to compare");
        java.util.Map<String, java.util.Set<String>> connectionsByLoop = new java.util.HashMap<>();
        for (int i = 0; i < 6; i++) {
            Context loop = i % 2 == 0 ? first : second;
            Result result = callOn(call, loop, new DefaultExchange(camel));
            assertEquals(loopThread(loop), result.thread(), "the answer is read on the loop that made the call");
            connectionsByLoop.computeIfAbsent(result.thread(), thread -> new java.util.HashSet<>()).add(result.body());
        }
        assertEquals(1, connectionsByLoop.get(firstLoop).size(), "one kept-alive connection per loop");
        assertEquals(1, connectionsByLoop.get(secondLoop).size(), "one kept-alive connection per loop");
        assertFalse(connectionsByLoop.get(firstLoop).equals(connectionsByLoop.get(secondLoop)),
                "the loops do not share a connection: " + connectionsByLoop);
    }

    private static String loopThread(Context loop) throws Exception {
        CompletableFuture<String> name = new CompletableFuture<>();
        loop.runOnContext(go -> name.complete(Thread.currentThread().getName()));
        return name.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRefusedConnectionIsAConnectException() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Result result = callWith(new EventLoopHttpCall("http://127.0.0.1:" + closed + "/ok", 2_000, 300,
                300, true, new OpenAiCodec()));
        Throwable failure = result.exchange().getException();
        assertTrue(failure instanceof ConnectException || failure.getCause() instanceof ConnectException,
                "was " + failure);
    }

    /**
     * An https base URL: the client verifies the certificate against the JVM's trust store and the host name, and
     * names the host in the handshake (SNI), as providers behind shared TLS front ends require.
     */
    @Test
    void httpsVerifiesTheServerAndNamesTheHost() throws Exception {
        // A certificate for localhost, made with the JDK's keytool; the same store serves the key and the trust.
        java.nio.file.Path store = java.nio.file.Files.createTempDirectory("tls").resolve("localhost.p12");
        Process keytool = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), "-genkeypair", "-alias", "upstream", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        assertEquals(0, keytool.waitFor(), new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        CompletableFuture<String> named = new CompletableFuture<>();
        HttpServer tls = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setSsl(true).setSni(true)
                        .setKeyCertOptions(new io.vertx.core.net.PfxOptions().setPath(store.toString())
                                .setPassword("changeit")))
                .requestHandler(request -> {
                    named.complete(request.connection().indicatedServerName());
                    request.response().putHeader("content-type", "application/json").end("{\"ok\":true}");
                })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        String[] keys = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"};
        String[] before = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            before[i] = System.getProperty(keys[i]);
        }
        System.setProperty(keys[0], store.toString());
        System.setProperty(keys[1], "changeit");
        System.setProperty(keys[2], "PKCS12");
        try {
            Result trustedCall = callWith(new EventLoopHttpCall("https://localhost:" + tls.actualPort() + "/ok", 2_000,
                    2_000, 2_000, true, new OpenAiCodec()));
            assertNull(trustedCall.exchange().getException());
            assertEquals(200, trustedCall.status());
            assertEquals("localhost", named.get(10, TimeUnit.SECONDS));

            Result wrongHost = callWith(new EventLoopHttpCall("https://127.0.0.1:" + tls.actualPort() + "/ok", 2_000,
                    2_000, 2_000, true, new OpenAiCodec()));
            assertInstanceOf(javax.net.ssl.SSLException.class, rootCause(wrongHost.exchange().getException()),
                    "a certificate for localhost is refused for 127.0.0.1");
        } finally {
            for (int i = 0; i < keys.length; i++) {
                if (before[i] == null) {
                    System.clearProperty(keys[i]);
                } else {
                    System.setProperty(keys[i], before[i]);
                }
            }
            tls.close();
        }
    }

    static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause != null && !(cause instanceof javax.net.ssl.SSLException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Test
    void offEventLoopMovesOnlyWhatIsOnTheLoop() throws Exception {
        OffEventLoop off = new OffEventLoop(java.util.Set.of("openai"));
        Exchange exchange = new DefaultExchange(camel);
        assertTrue(off.process(exchange, doneSync -> { }), "off the loop already: goes on in place");
        assertEquals(dev.caravan.support.EventLoopSteps.MOVED, onLoop(off, exchange), "no call known: moved to a worker");
    }

    @Test
    void offEventLoopLeavesOnTheLoopOnlyACallSentFromIt() throws Exception {
        OffEventLoop off = new OffEventLoop(java.util.Set.of("openai", "anthropic"));
        assertEquals(dev.caravan.support.EventLoopSteps.IN_PLACE, onLoop(off, attempt(new dev.caravan.routing.Target("openai", "gpt-4o"), false, 0)));
        assertEquals(dev.caravan.support.EventLoopSteps.IN_PLACE, onLoop(off, attempt(new dev.caravan.routing.Target("openai", "gpt-4o", "backup"), false, 0)),
                "a named account's single answer");
        assertEquals(dev.caravan.support.EventLoopSteps.IN_PLACE, onLoop(off, attempt(new dev.caravan.routing.Target("openai", "gpt-4o"), true, 0)),
                "a stream is read on the loop");
        assertEquals(dev.caravan.support.EventLoopSteps.MOVED, onLoop(off, attempt(new dev.caravan.routing.Target("mock", "echo"), true, 0)),
                "the mock's stream pauses between its pieces");
        assertEquals(dev.caravan.support.EventLoopSteps.MOVED, onLoop(off, attempt(new dev.caravan.routing.Target("openai", "gpt-4o"), false, 200)),
                "a backoff waits");
        assertEquals(dev.caravan.support.EventLoopSteps.MOVED, onLoop(off, attempt(new dev.caravan.routing.Target("bedrock", "claude"), false, 0)),
                "Bedrock's calls block");
    }

    private static Exchange attempt(dev.caravan.routing.Target target, boolean stream, long backoffMillis) {
        dev.caravan.routing.CallContext call = new dev.caravan.routing.CallContext("req_1", "openai");
        call.request(new dev.caravan.core.ChatRequest(target.model(), java.util.List.of(
                dev.caravan.core.ChatMessage.of("user", "hi")), null, null, null, null, stream, false, null, null,
                null, null));
        call.attempt(target);
        if (backoffMillis > 0) {
            call.retry(backoffMillis);
        }
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty(dev.caravan.routing.CallContext.PROPERTY, call);
        return exchange;
    }

    private static String onLoop(OffEventLoop off, Exchange exchange) throws Exception {
        return dev.caravan.support.EventLoopSteps.wentOn(off, exchange, vertx);
    }
}
