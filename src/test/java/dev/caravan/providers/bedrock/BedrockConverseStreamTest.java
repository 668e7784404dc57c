package dev.caravan.providers.bedrock;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.routing.Target;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.caravan.providers.bedrock.TestRequests.chat;
import static dev.caravan.providers.bedrock.TestRequests.request;
import static dev.caravan.providers.bedrock.TestRequests.weatherTool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ConverseStream through the real async SDK client (event-stream frames over HTTP/1.1) against the fake Bedrock. */
class BedrockConverseStreamTest {

    private static FakeBedrock fake;
    private static BedrockClients clients;
    private final BedrockCodec codec = new BedrockCodec();

    @BeforeAll
    static void start() {
        fake = new FakeBedrock();
        clients = TestRequests.clients(fake.endpoint());
    }

    @AfterAll
    static void stop() {
        clients.close();
        fake.close();
    }

    @BeforeEach
    void quickFrames() {
        fake.frameDelayMillis(5);
    }

    private BedrockConverseStream open(ChatRequest request, String modelId, Duration idleTimeout) {
        ToolNameMap names = ToolNameMap.of(request);
        return BedrockConverseStream.start(clients.async(),
                codec.converseStreamRequest(request, new Target("bedrock", modelId), names),
                codec.newStreamDecoder(names), idleTimeout, () -> 0);
    }

    private static List<StreamEvent> drain(BedrockConverseStream stream) {
        List<StreamEvent> all = new ArrayList<>();
        for (List<StreamEvent> events = stream.next(); events != null; events = stream.next()) {
            all.addAll(events);
        }
        return all;
    }

    @Test
    void decodesTextThenAToolCallThenTheFinishAndTheUsageOfARecordedStream() {
        ChatRequest request = request(List.of(ChatMessage.of("user", "Weather in Paris?")),
                List.of(weatherTool("weather.get")), null);

        List<StreamEvent> events;
        try (BedrockConverseStream stream = open(request, "stream-text-tool-usage", Duration.ofSeconds(5))) {
            events = drain(stream);
        }

        assertEquals(List.of(
                new StreamEvent.Started("fake-stream-text-tool-usage"),
                new StreamEvent.TextDelta("Let me check"),
                new StreamEvent.TextDelta(" the weather."),
                new StreamEvent.ToolCallDelta(0, "tooluse_3fVnJ2xXQ2e4v0sY1xq0Ig", "weather.get", ""),
                new StreamEvent.ToolCallDelta(0, null, null, "{\"city\": \"Pa"),
                new StreamEvent.ToolCallDelta(0, null, null, "ris\"}"),
                new StreamEvent.Finished("tool_calls"),
                new StreamEvent.UsageReport(dev.caravan.core.Usage.of(412, 58))), events);
        assertTrue(fake.lastReceived().path().endsWith("/converse-stream"));
    }

    /**
     * A model silent mid-answer for longer than the Netty client's default read timeout (30 s), but not for the
     * stream's idle timeout: the stream goes on. The idle timeout between events bounds a stream; the read timeout cut
     * it at 30 s whatever caravan.bedrock.idle-timeout-ms said.
     */
    @Test
    void aPauseShorterThanTheIdleTimeoutButOverTheNettyClientsDefaultReadTimeoutDoesNotCutTheStream() {
        fake.pauseAfterFirstFrameMillis(31_000);
        List<StreamEvent> events;
        try (BedrockConverseStream stream = open(chat(ChatMessage.of("user", "Hi")), "stream-text-tool-usage",
                Duration.ofSeconds(60))) {
            events = drain(stream);
        } finally {
            fake.pauseAfterFirstFrameMillis(0);
        }

        assertEquals(new StreamEvent.Finished("tool_calls"), events.get(events.size() - 2), events.toString());
        assertEquals(new StreamEvent.UsageReport(dev.caravan.core.Usage.of(412, 58)), events.get(events.size() - 1));
    }

    @Test
    void handsOverEachEventAsSoonAsBedrockSendsIt() {
        fake.frameDelayMillis(150);
        try (BedrockConverseStream stream = open(chat(ChatMessage.of("user", "Hi")), "stream-text-tool-usage",
                Duration.ofSeconds(5))) {
            stream.next();
            long firstReceivedAt = System.nanoTime();
            drain(stream);
            FakeBedrock.StreamLog log = fake.streamLog("stream-text-tool-usage");
            long lastSentAt = log.sentAtNanos.get(log.sentAtNanos.size() - 1);
            assertTrue(lastSentAt - firstReceivedAt > TimeUnit.MILLISECONDS.toNanos(1000),
                    "the first event must arrive long before the last one is sent");
            assertTrue(firstReceivedAt - log.sentAtNanos.get(0) < TimeUnit.MILLISECONDS.toNanos(150),
                    "the first event must arrive soon after it is sent");
        }
    }

    @Test
    void throwsAThrottlingThatBedrockSendsAsTheOnlyEventOfA200Answer() {
        BedrockConverseStream stream = open(chat(ChatMessage.of("user", "Hi")), "stream-throttled",
                Duration.ofSeconds(5));

        GatewayException error = assertThrows(GatewayException.class, stream::awaitFirstEvent);

        assertEquals(429, error.status());
        assertTrue(error.retryable());
        assertEquals("bedrock: Too many requests, please wait before trying again.", error.getMessage());
        assertNull(stream.next(), "a failed stream has ended");
    }

    @Test
    void throwsAThrottlingFirstEventFromNextToo() {
        try (BedrockConverseStream stream = open(chat(ChatMessage.of("user", "Hi")), "stream-throttled",
                Duration.ofSeconds(5))) {
            assertEquals(429, assertThrows(GatewayException.class, stream::next).status());
        }
    }

    @Test
    void endsWithAGatewayExceptionWhenTheModelFailsMidStream() {
        try (BedrockConverseStream stream = open(chat(ChatMessage.of("user", "Tell a story")),
                "stream-model-error-midway", Duration.ofSeconds(5))) {
            assertInstanceOf(StreamEvent.Started.class, stream.next().get(0));
            assertEquals(new StreamEvent.TextDelta("Once upon"), stream.next().get(0));
            GatewayException error = assertThrows(GatewayException.class, stream::next);
            assertEquals(502, error.status());
            assertTrue(error.retryable());
        }
    }

    @Test
    void throwsWhenTheAnswerEndsWithoutMessageStop() {
        fake.stream("cut-short", List.of(FakeBedrock.Frame.event("messageStart", "{\"role\":\"assistant\"}"),
                FakeBedrock.Frame.event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Once\"}}")));

        try (BedrockConverseStream stream = open(chat(ChatMessage.of("user", "Tell a story")), "cut-short",
                Duration.ofSeconds(5))) {
            assertInstanceOf(StreamEvent.Started.class, stream.next().get(0));
            assertEquals(new StreamEvent.TextDelta("Once"), stream.next().get(0));
            GatewayException error = assertThrows(GatewayException.class, stream::next);
            assertTrue(error.cutShort(), error.getMessage());
            assertEquals(502, error.status());
        }
    }

    @Test
    void mapsAnHttpErrorAnswerToConverseStreamLikeConverse() {
        try (BedrockConverseStream stream = open(chat(ChatMessage.of("user", "Hi")), "error-unavailable",
                Duration.ofSeconds(5))) {
            GatewayException error = assertThrows(GatewayException.class, stream::next);
            assertEquals(503, error.status());
            assertEquals("upstream_error", error.type());
        }
    }

    @Test
    void abortingWhileTheRelayWaitsForTheNextEventEndsTheStreamAtOnceNotAfterTheIdleTimeout() throws Exception {
        fake.stream("slow-story", FakeBedrock.Frame.words(100));
        fake.frameDelayMillis(500);
        Duration idleTimeout = Duration.ofSeconds(20);
        BedrockConverseStream stream = open(chat(ChatMessage.of("user", "Tell a long story")), "slow-story",
                idleTimeout);
        stream.next();
        // The relay's thread reads on, as StreamRelay does, until the stream ends.
        CompletableFuture<Long> relay = CompletableFuture.supplyAsync(() -> {
            while (stream.next() != null) {
                // skip the words
            }
            return System.nanoTime();
        });

        long abortedAt = System.nanoTime();
        stream.abort();

        long returnedAt = relay.get(idleTimeout.toSeconds() / 2, TimeUnit.SECONDS);
        assertTrue(returnedAt - abortedAt < idleTimeout.toNanos() / 4,
                "the relay returned " + TimeUnit.NANOSECONDS.toMillis(returnedAt - abortedAt) + " ms after the abort");
        assertNull(stream.next(), "an aborted stream has ended, it did not fail");
    }

    @Test
    void closingDuringASlowStreamStopsItPromptlyWithoutDraining() throws Exception {
        fake.stream("slow-story", FakeBedrock.Frame.words(100));
        fake.frameDelayMillis(100);

        BedrockConverseStream stream = open(chat(ChatMessage.of("user", "Tell a long story")), "slow-story",
                Duration.ofSeconds(5));
        stream.next();
        long closeStarted = System.nanoTime();
        stream.close();
        long closeTook = System.nanoTime() - closeStarted;

        assertTrue(closeTook < TimeUnit.MILLISECONDS.toNanos(200), "close() must not wait");
        FakeBedrock.StreamLog log = fake.streamLog("slow-story");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (log.abortedAtNanos == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(log.abortedAtNanos != 0, "the server must see the connection go away");
        assertFalse(log.completed);
        assertTrue(log.sentAtNanos.size() < 20, "sent " + log.sentAtNanos.size() + " of 101 frames");
    }

    @Test
    void throwsATimeoutWhenNoEventArrivesWithinTheIdleTimeout() {
        fake.stream("stalled", List.of(FakeBedrock.Frame.event("messageStart", "{\"role\":\"assistant\"}"),
                FakeBedrock.Frame.event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"late\"}}")));
        fake.frameDelayMillis(1500);

        try (BedrockConverseStream stream = open(chat(ChatMessage.of("user", "Hi")), "stalled",
                Duration.ofMillis(300))) {
            stream.next();
            GatewayException error = assertThrows(GatewayException.class, stream::next);
            assertEquals(504, error.status());
            assertTrue(error.retryable());
        }
    }

    @Test
    void decodesReasoningDeltasAsThinkingPiecesWithTheSignatureAndARedactedBlock() {
        List<StreamEvent> events;
        try (BedrockConverseStream stream = open(chat(ChatMessage.of("user", "27 * 453?")), "stream-thinking",
                Duration.ofSeconds(5))) {
            events = drain(stream);
        }

        assertEquals(List.of(
                new StreamEvent.Started("fake-stream-thinking"),
                new StreamEvent.ThinkingDelta(ThinkingBlock.thinking("27 * 400 = 10800, ", null)),
                new StreamEvent.ThinkingDelta(ThinkingBlock.thinking("27 * 53 = 1431.", null)),
                new StreamEvent.ThinkingDelta(ThinkingBlock.thinking("",
                        "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds")),
                new StreamEvent.ThinkingDelta(ThinkingBlock.redacted("RW13S0FoZ0JFZ3kzdmEzcHppeC9MYWZQc240YURGSVQ=")),
                new StreamEvent.TextDelta("12231"),
                new StreamEvent.Finished("stop"),
                new StreamEvent.UsageReport(dev.caravan.core.Usage.of(36, 143))), events);
    }

    @Test
    void aStreamThatTimesOutWhileAnEventIsBeingDecodedNeverRunsTheTranslationOnTwoThreadsAtOnce() throws Exception {
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger texts = new java.util.concurrent.atomic.AtomicInteger();
        // a stateful translation (as JsonAnswerTool.Events and WhitespaceStops.Events are), slow on the second text
        java.util.function.UnaryOperator<List<StreamEvent>> then = events -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                if (events.stream().anyMatch(e -> e instanceof StreamEvent.TextDelta) && texts.incrementAndGet() == 2) {
                    Thread.sleep(2_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
            return events;
        };
        ChatRequest request = chat(ChatMessage.of("user", "Hi"));
        ToolNameMap names = ToolNameMap.of(request);
        BedrockConverseStream stream = BedrockConverseStream.start(clients.async(),
                codec.converseStreamRequest(request, new Target("bedrock", "stream-text-tool-usage"), names),
                new BedrockStreamDecoder(names, then), Duration.ofMillis(1_000), () -> 0);
        stream.awaitFirstEvent();

        List<StreamEvent> all = drain(stream);
        Thread.sleep(1_500);

        assertInstanceOf(StreamEvent.Failed.class, all.get(all.size() - 1), all.toString());
        assertEquals(1, most.get(), "the translation ran on the relay's thread while the SDK's thread was in it");
    }
}
