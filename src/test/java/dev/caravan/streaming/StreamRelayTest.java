package dev.caravan.streaming;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.Usage;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.ModelRouter;
import dev.caravan.routing.Target;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay opens the caller's stream when the answer is committed; a pulled stream's rest is relayed in the route's
 * step, a pushed one's as it comes, the step waiting for its end.
 */
class StreamRelayTest {

    @TempDir
    Path dir;

    private StreamRelay relay;
    private final RecordingClient client = new RecordingClient();

    @BeforeEach
    void router() throws IOException {
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, """
                models:
                  openai/gpt-4o: {input: 2.50, output: 10.00}
                """);
        relay = new StreamRelay(new ModelRouter(catalog, provider -> true), true);
    }

    private CallContext call() {
        CallContext call = new CallContext("req_1", "openai", "req_1");
        call.request(new ChatRequest("gpt-4o", List.of(ChatMessage.of("user", "hi")), null, null, null, null, true,
                true, null, null, null, null));
        call.attempt(new Target("openai", "gpt-4o"));
        call.client(client);
        call.whenStreaming(relay::open);
        return call;
    }

    private static Exchange exchange(CallContext call) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(CallContext.PROPERTY, call);
        return exchange;
    }

    /** Runs the relay step; the result completes when the route may go on, with whether the step ended in place. */
    private CompletableFuture<Boolean> relayStep(CallContext call) {
        CompletableFuture<Boolean> goesOn = new CompletableFuture<>();
        boolean inPlace = relay.process(exchange(call), goesOn::complete);
        assertEquals(inPlace, goesOn.isDone(), "the step said it ended in place exactly when it did");
        return goesOn;
    }

    @Test
    void theHeadAndTheEventsReadAheadGoOutWhenTheAnswerIsCommitted() {
        CallContext call = call();
        FakeUpstream upstream = new FakeUpstream(List.of(new StreamEvent.TextDelta("Hel")),
                List.of(new StreamEvent.TextDelta("lo")),
                List.of(new StreamEvent.Finished("stop"), new StreamEvent.UsageReport(Usage.of(10, 2))));

        call.streaming(upstream);
        // before the route reaches the relay step: head and the first text are on the wire, nothing more was read
        assertEquals(200, client.status);
        assertEquals("text/event-stream; charset=utf-8", client.headers.get("content-type"));
        assertEquals("openai", client.headers.get("x-caravan-provider"));
        assertEquals(1, client.writes.size());
        assertTrue(client.writes.get(0).contains("\"content\":\"Hel\""), client.writes.get(0));
        assertEquals(2, upstream.batches.size());

        assertTrue(relayStep(call).getNow(false), "a pulled stream is relayed within the step");
        String all = String.join("", client.writes);
        assertTrue(all.indexOf("\"content\":\"Hel\"") < all.indexOf("\"content\":\"lo\""), all);
        assertTrue(all.contains("\"finish_reason\":\"stop\""), all);
        assertTrue(all.endsWith("data: [DONE]\n\n"), all);
        assertEquals(1, client.begins, "the head is written once");
        assertTrue(client.ended && upstream.closed);
        assertEquals("ok", call.outcome());
        assertEquals(Usage.of(10, 2), call.usage());
    }

    @Test
    void aFailureAmongTheEventsReadAheadWaitsForTheRelayStep() {
        CallContext call = call();
        GatewayException overloaded = GatewayException.upstreamUnavailable("openai", "overloaded");
        FakeUpstream upstream = new FakeUpstream(List.of(new StreamEvent.TextDelta("Hi"), new StreamEvent.Failed(overloaded)));

        call.streaming(upstream); // inside the provider call: must not throw, or it would count against the provider
        assertEquals(200, client.status);

        assertTrue(relayStep(call).getNow(false), "a pulled stream is relayed within the step");
        String all = String.join("", client.writes);
        assertTrue(all.contains("\"content\":\"Hi\""), all);
        assertTrue(all.contains("overloaded"), all);
        assertEquals("error", call.outcome());
        assertTrue(client.ended && upstream.closed);
    }

    @Test
    void withoutACommitTheRelayStepOpensTheStreamItself() {
        CallContext call = new CallContext("req_2", "openai", "req_2");
        call.request(new ChatRequest("gpt-4o", List.of(ChatMessage.of("user", "hi")), null, null, null, null, true,
                false, null, null, null, null));
        call.attempt(new Target("openai", "gpt-4o"));
        call.client(client);
        FakeUpstream upstream = new FakeUpstream(List.of(new StreamEvent.TextDelta("A")),
                List.of(new StreamEvent.Finished("stop")));
        call.streaming(upstream); // no whenStreaming registered
        assertEquals(0, client.begins);

        assertTrue(relayStep(call).getNow(false), "a pulled stream is relayed within the step");
        assertEquals(1, client.begins);
        assertTrue(String.join("", client.writes).contains("\"content\":\"A\""));
        assertEquals("ok", call.outcome());
    }

    @Test
    void aPushedStreamIsRelayedAsItsEventsComeAndTheStepWaitsForItsEnd() {
        CallContext call = call();
        PushingUpstream upstream = new PushingUpstream(List.of(new StreamEvent.TextDelta("Hel")));

        call.streaming(upstream);
        assertEquals(1, client.writes.size(), "the events held until the commit went out with the head");
        upstream.sink.events(List.of(new StreamEvent.TextDelta("lo")));
        assertEquals(2, client.writes.size(), "an event pushed before the relay step is written at once");

        CompletableFuture<Boolean> goesOn = relayStep(call);
        assertFalse(goesOn.isDone(), "the step waits, without a thread, for the stream to end");
        upstream.sink.events(List.of(new StreamEvent.Finished("stop"), new StreamEvent.UsageReport(Usage.of(7, 2))));
        assertFalse(goesOn.isDone());
        upstream.sink.ended();

        assertEquals(Boolean.FALSE, goesOn.getNow(null), "the route goes on once the stream has ended");
        String all = String.join("", client.writes);
        assertTrue(all.indexOf("\"content\":\"Hel\"") < all.indexOf("\"content\":\"lo\""), all);
        assertTrue(all.endsWith("data: [DONE]\n\n"), all);
        assertTrue(client.ended);
        assertEquals("ok", call.outcome());
        assertEquals(Usage.of(7, 2), call.usage());
    }

    @Test
    void aPushedStreamThatEndsBeforeTheRelayStepLetsTheStepEndInPlace() {
        CallContext call = call();
        PushingUpstream upstream = new PushingUpstream(List.of(new StreamEvent.TextDelta("Hi")));
        call.streaming(upstream);
        upstream.sink.failed(GatewayException.timeout("openai", "no stream event within the idle timeout"));

        assertTrue(relayStep(call).getNow(null));
        String all = String.join("", client.writes);
        assertTrue(all.contains("idle timeout"), all);
        assertEquals("error", call.outcome());
        assertTrue(client.ended);
    }

    @Test
    void aPushedStreamPausesWhileTheClientIsSlowToRead() {
        CallContext call = call();
        PushingUpstream upstream = new PushingUpstream(List.of(new StreamEvent.TextDelta("Hi")));
        client.writable = false;
        call.streaming(upstream);

        assertFalse(upstream.sink.ready());
        List<String> resumed = new ArrayList<>();
        upstream.sink.whenReady(() -> resumed.add("resumed"));
        assertEquals(List.of(), resumed);
        client.drain();
        assertEquals(List.of("resumed"), resumed);
    }

    @Test
    void aCutStreamWhoseProviderCountsThePromptLastSaysTheGatewaysEstimateOfIt_oneCountedFirstKeepsItsCount() {
        for (Usage first : List.of(Usage.NONE, Usage.of(30, 1))) {
            CallContext call = call();
            FakeUpstream upstream = new FakeUpstream(List.of(new StreamEvent.UsageReport(first),
                    new StreamEvent.TextDelta("positive"), new StreamEvent.Finished("stop"),
                    new StreamEvent.UsageReport(Usage.of(0, 5)), new StreamEvent.Cut()));
            upstream.promptEstimate = 28;

            call.streaming(upstream);
            relayStep(call);

            long prompt = first.promptTokens() > 0 ? first.promptTokens() : 28;
            assertEquals(Usage.of(prompt, 5), call.usage());
            assertFalse(call.usageReported(), "an estimate");
            assertTrue(String.join("", client.writes).contains("\"prompt_tokens\":" + prompt + ","),
                    String.join("", client.writes));
            client.writes.clear();
        }
    }

    @Test
    void aWholeStreamIsSettledAtItsProvidersUsageAndNoEstimateIsMade() {
        CallContext call = call();
        FakeUpstream upstream = new FakeUpstream(List.of(new StreamEvent.TextDelta("Hi"),
                new StreamEvent.Finished("stop"), new StreamEvent.UsageReport(Usage.of(10, 2))));
        upstream.promptEstimate = 28;

        call.streaming(upstream);
        relayStep(call);

        assertEquals(Usage.of(10, 2), call.usage());
        assertTrue(call.usageReported());
        assertEquals(0, upstream.estimatesAsked);
    }

    /** A stream that pushes its events to the relay's sink, as EventLoopSseStream does from its event loop. */
    private static final class PushingUpstream implements UpstreamStream {
        private final List<StreamEvent> held;
        StreamSink sink;

        PushingUpstream(List<StreamEvent> held) {
            this.held = held;
        }

        @Override
        public boolean push(StreamSink target) {
            sink = target;
            target.events(held);
            return true;
        }

        @Override
        public List<StreamEvent> next() {
            throw new AssertionError("a pushed stream is never pulled");
        }

        @Override
        public void close() {
        }
    }

    private static final class FakeUpstream implements UpstreamStream {
        private List<StreamEvent> ahead;
        final Deque<List<StreamEvent>> batches = new ArrayDeque<>();
        boolean closed;
        long promptEstimate;
        int estimatesAsked;

        @SafeVarargs
        FakeUpstream(List<StreamEvent> ahead, List<StreamEvent>... rest) {
            this.ahead = ahead;
            batches.addAll(List.of(rest));
        }

        @Override
        public List<StreamEvent> readAhead() {
            List<StreamEvent> first = ahead;
            ahead = List.of();
            return first;
        }

        @Override
        public List<StreamEvent> next() {
            if (!ahead.isEmpty()) {
                return readAhead();
            }
            return batches.poll();
        }

        @Override
        public long estimatedPromptTokens() {
            estimatesAsked++;
            return promptEstimate;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static final class RecordingClient implements ClientChannel {
        int status;
        int begins;
        Map<String, String> headers = Map.of();
        final List<String> writes = new ArrayList<>();
        boolean ended;
        boolean writable = true;
        private Runnable onDrain;

        @Override
        public boolean writable() {
            return writable;
        }

        @Override
        public void whenWritable(Runnable action) {
            onDrain = action;
        }

        void drain() {
            writable = true;
            onDrain.run();
        }

        @Override
        public void begin(int status, Map<String, String> headers) {
            this.status = status;
            this.headers = Map.copyOf(headers);
            begins++;
        }

        @Override
        public void write(byte[] bytes) {
            writes.add(new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public void end() {
            ended = true;
        }

        @Override
        public boolean started() {
            return begins > 0;
        }

        @Override
        public boolean closed() {
            return false;
        }

        @Override
        public void abort() {
        }

        @Override
        public void onClose(Runnable action) {
        }
    }
}
