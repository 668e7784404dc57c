package dev.caravan.streaming;

import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.providers.openai.OpenAiCodec;
import dev.caravan.support.FakeOpenAi;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream read on the event loop, against a real HTTP upstream on 127.0.0.1 speaking OpenAI's SSE: when the answer
 * counts as begun, what a failure before and after that means, the idle timeout, a slow caller's back-pressure on
 * the upstream, and a caller who leaves.
 */
class EventLoopSseStreamTest {

    private static final List<String> CHUNKS = FakeOpenAi.streamChunks(List.of("one", " two", " three"), 5);

    static Vertx vertx;
    static HttpServer upstream;
    static HttpClient client;
    static volatile Handler<HttpServerRequest> answer;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        upstream = vertx.createHttpServer().requestHandler(request -> answer.handle(request))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = vertx.createHttpClient();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static HttpServerResponse sseHead(HttpServerRequest request) {
        return request.response().setChunked(true).putHeader("content-type", "text/event-stream");
    }

    private static String event(String data) {
        return "data: " + data + "\n\n";
    }

    /** Opens a stream from an event loop, as EventLoopHttpCall does; completes when the answer has begun. */
    private static CompletableFuture<EventLoopSseStream> open(long idleTimeoutMs) {
        CompletableFuture<EventLoopSseStream> begun = new CompletableFuture<>();
        Context loop = vertx.getOrCreateContext();
        loop.runOnContext(go -> client.request(HttpMethod.POST, upstream.actualPort(), "127.0.0.1", "/chat")
                .compose(request -> request.send())
                .compose(response -> EventLoopSseStream.read("openai", response, loop,
                        new OpenAiCodec().newStreamDecoder(), idleTimeoutMs, () -> 0))
                .onComplete(done -> {
                    if (done.succeeded()) {
                        begun.complete(done.result());
                    } else {
                        begun.completeExceptionally(done.cause());
                    }
                }));
        return begun;
    }

    private static GatewayException failure(CompletableFuture<?> attempt) {
        ExecutionException failed = assertThrows(ExecutionException.class, () -> attempt.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(GatewayException.class, failed.getCause());
    }

    @Test
    void theAnswerBeginsWithItsFirstTextAndEveryEventFollowsInOrder() throws Exception {
        answer = request -> {
            HttpServerResponse response = sseHead(request);
            response.write(event(CHUNKS.get(0)));
            vertx.setTimer(150, later -> CHUNKS.subList(1, CHUNKS.size()).forEach(c -> response.write(event(c))));
            vertx.setTimer(200, later -> response.end());
        };
        long start = System.nanoTime();
        EventLoopSseStream stream = open(2_000).get(10, TimeUnit.SECONDS);
        assertTrue((System.nanoTime() - start) / 1_000_000 >= 140, "begun only once the first text came");
        RecordingSink sink = new RecordingSink();

        assertTrue(stream.push(sink));

        assertEquals("ended", sink.outcome.get(10, TimeUnit.SECONDS));
        assertEquals("one two three", sink.text());
        assertTrue(sink.events.stream().anyMatch(e -> e instanceof StreamEvent.Finished));
        assertTrue(sink.events.stream().anyMatch(e -> e instanceof StreamEvent.UsageReport));
    }

    @Test
    void anErrorAsTheFirstEventFailsTheAttempt() {
        answer = request -> sseHead(request).end(event("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));

        GatewayException error = failure(open(2_000));

        assertTrue(error.getMessage().contains("overloaded"), error.getMessage());
    }

    @Test
    void aStreamThatEndsBeforeAnyAnswerFailsTheAttemptAsRetryable() {
        answer = request -> sseHead(request).end(": keep-alive\n\n");

        GatewayException error = failure(open(2_000));

        assertEquals(502, error.status());
        assertTrue(error.retryable());
    }

    @Test
    void anUpstreamThatSendsAnEndlessLineFailsTheAttemptInsteadOfFillingTheMemory() {
        String megabyte = "z".repeat(1024 * 1024);
        answer = request -> {
            HttpServerResponse response = sseHead(request);
            response.write("data: ");
            for (int i = 0; i < 6; i++) {
                response.write(megabyte);
            }
        };

        GatewayException error = failure(open(5_000));

        assertEquals(502, error.status());
        assertTrue(error.getMessage().contains("longer than"), error.getMessage());
    }

    @Test
    void aStreamSilentBeforeItsAnswerBeganTimesOutAfterTheIdleTimeout() {
        answer = request -> sseHead(request).write(": keep-alive\n\n");
        long start = System.nanoTime();

        GatewayException error = failure(open(300));

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals("upstream_timeout", error.code());
        assertTrue(millis >= 290 && millis < 3_000, "timed out after " + millis + " ms");
    }

    @Test
    void aStreamThatStallsAfterItBeganFailsTheSinkAfterTheIdleTimeoutCountedFromItsLastBytes() throws Exception {
        answer = request -> {
            HttpServerResponse response = sseHead(request);
            response.write(event(CHUNKS.get(1)));
            // bytes keep coming for a while (each within the timeout), then nothing
            for (int i = 1; i <= 4; i++) {
                vertx.setTimer(150L * i, later -> response.write(": keep-alive\n\n"));
            }
        };
        EventLoopSseStream stream = open(300).get(10, TimeUnit.SECONDS);
        RecordingSink sink = new RecordingSink();
        long start = System.nanoTime();
        stream.push(sink);

        assertEquals("failed: upstream_timeout", sink.outcome.get(10, TimeUnit.SECONDS));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 800, "keep-alive bytes re-armed the timeout; failed after " + millis + " ms");
    }

    @Test
    void aSlowCallerPausesTheUpstreamUntilItCatchesUp() throws Exception {
        AtomicBoolean upstreamBlocked = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        CompletableFuture<Void> upstreamDone = new CompletableFuture<>();
        String text = event(CHUNKS.get(2));
        answer = request -> {
            HttpServerResponse response = sseHead(request);
            response.setWriteQueueMaxSize(64 * 1024);
            response.write(event(CHUNKS.get(1)));
            // writes until its own queue is full, i.e. until the gateway stops reading; then the rest when drained
            vertx.setTimer(50, go -> writeUntilFull(response, text, written, upstreamBlocked, upstreamDone));
        };
        EventLoopSseStream stream = open(5_000).get(10, TimeUnit.SECONDS);
        RecordingSink sink = new RecordingSink();
        sink.ready = false;
        stream.push(sink);

        long until = System.currentTimeMillis() + 10_000;
        while (!upstreamBlocked.get() && System.currentTimeMillis() < until) {
            Thread.sleep(20);
        }
        assertTrue(upstreamBlocked.get(), "the upstream's writes were held back while the caller was slow");
        int seen = sink.events.size();
        Thread.sleep(200);
        assertTrue(sink.events.size() - seen < 50, "the paused stream delivered little more");
        assertFalse(sink.outcome.isDone());

        sink.catchUp();

        upstreamDone.get(20, TimeUnit.SECONDS);
        assertEquals("ended", sink.outcome.get(20, TimeUnit.SECONDS));
        long texts = sink.events.stream().filter(e -> e instanceof StreamEvent.TextDelta).count();
        assertEquals(1 + written.get(), texts, "nothing was lost across the pause");
    }

    private static void writeUntilFull(HttpServerResponse response, String text, AtomicInteger written,
                                       AtomicBoolean blocked, CompletableFuture<Void> done) {
        while (!response.writeQueueFull()) {
            response.write(text);
            if (written.incrementAndGet() >= 200_000) {
                response.end(event(CHUNKS.get(CHUNKS.size() - 2)) + event("[DONE]"));
                done.complete(null);
                return;
            }
        }
        blocked.set(true);
        response.drainHandler(drained -> writeUntilFull(response, text, written, blocked, done));
    }

    @Test
    void aCallerWhoLeavesResetsTheUpstreamAndEndsTheSink() throws Exception {
        CompletableFuture<Void> upstreamClosed = new CompletableFuture<>();
        answer = request -> {
            HttpServerResponse response = sseHead(request);
            response.closeHandler(closed -> upstreamClosed.complete(null));
            response.write(event(CHUNKS.get(1)));
        };
        EventLoopSseStream stream = open(5_000).get(10, TimeUnit.SECONDS);
        RecordingSink sink = new RecordingSink();
        stream.push(sink);

        stream.abort();

        assertEquals("ended", sink.outcome.get(10, TimeUnit.SECONDS));
        upstreamClosed.get(10, TimeUnit.SECONDS);
    }

    /** The relay's part, recorded: events, readiness, and how the stream ended. */
    private static final class RecordingSink implements StreamSink {
        final List<StreamEvent> events = Collections.synchronizedList(new ArrayList<>());
        final CompletableFuture<String> outcome = new CompletableFuture<>();
        volatile boolean ready = true;
        private volatile Runnable onReady;
        private volatile Context loop;

        @Override
        public void events(List<StreamEvent> batch) {
            loop = Vertx.currentContext();
            if (outcome.isDone()) {
                throw new AssertionError("events after the end");
            }
            events.addAll(batch);
        }

        @Override
        public boolean ready() {
            return ready;
        }

        @Override
        public void whenReady(Runnable action) {
            onReady = action;
        }

        void catchUp() {
            ready = true;
            loop.runOnContext(go -> onReady.run());
        }

        @Override
        public void ended() {
            outcome.complete("ended");
        }

        @Override
        public void failed(GatewayException error) {
            outcome.complete("failed: " + error.code());
        }

        String text() {
            StringBuilder text = new StringBuilder();
            synchronized (events) {
                events.stream().filter(e -> e instanceof StreamEvent.TextDelta)
                        .forEach(e -> text.append(((StreamEvent.TextDelta) e).text()));
            }
            return text.toString();
        }
    }
}
