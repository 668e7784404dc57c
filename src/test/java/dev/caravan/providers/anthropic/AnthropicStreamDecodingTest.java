package dev.caravan.providers.anthropic;

import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.StreamEvent.Finished;
import dev.caravan.core.StreamEvent.Started;
import dev.caravan.core.StreamEvent.TextDelta;
import dev.caravan.core.StreamEvent.ThinkingDelta;
import dev.caravan.core.StreamEvent.ToolCallDelta;
import dev.caravan.core.StreamEvent.UsageReport;
import dev.caravan.core.Usage;
import dev.caravan.providers.StreamDecoder;
import dev.caravan.streaming.SseEvent;
import dev.caravan.streaming.SseReader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicStreamDecodingTest {

    private final AnthropicCodec codec = new AnthropicCodec(model -> 4096);

    @Test
    void decodesARecordedTextStreamEventByEvent() throws IOException {
        Decoded stream = decode("streams/text.sse");

        assertEquals(List.of(
                new Started("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY"),
                new UsageReport(new Usage(25 + 1200, 1, 1200, 0, 0)),
                new TextDelta("Hello"),
                new TextDelta("!"),
                new TextDelta(" How can I help?"),
                new Finished("stop"),
                new UsageReport(new Usage(25 + 1200, 15, 1200, 0, 0))), stream.events);
        assertTrue(stream.finished);
    }

    @Test
    void keepsMessageStartInputTokensWhenMessageDeltaReportsOnlyOutput() throws IOException {
        assertEquals(new Usage(1225, 15, 1200, 0, 0), decode("streams/text.sse").finalUsage());
    }

    @Test
    void decodesARecordedToolUseStreamWithToolIndexesCountedFromZero() throws IOException {
        Decoded stream = decode("streams/tool-use.sse");

        assertEquals(List.of(
                new Started("msg_014p7gG3wDgGV9EUtLvnow3U"),
                new UsageReport(new Usage(472 + 150, 2, 0, 150, 0)),
                new TextDelta("Okay, let me check both cities."),
                new ToolCallDelta(0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", ""),
                new ToolCallDelta(0, null, null, "{\"city\": \"Par"),
                new ToolCallDelta(0, null, null, "is\"}"),
                new ToolCallDelta(1, "toolu_01Bq5M1uQpE3ZcTy9Xa8RwLk", "get_weather", ""),
                new ToolCallDelta(1, null, null, "{\"city\": "),
                new ToolCallDelta(1, null, null, "\"London\"}"),
                new Finished("tool_calls"),
                new UsageReport(new Usage(472 + 150, 89, 0, 150, 0))), stream.events);
        assertEquals(new Usage(622, 89, 0, 150, 0), stream.finalUsage());
        assertTrue(stream.finished);
    }

    @Test
    void mergesMessageDeltaUsageFieldByFieldTakingTheLargerCount() {
        StreamDecoder decoder = codec.newStreamDecoder();
        decoder.decode(new SseEvent("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                + "\"usage\":{\"input_tokens\":40,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}"));

        List<StreamEvent> events = decoder.decode(new SseEvent("message_delta", "{\"type\":\"message_delta\","
                + "\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},"
                + "\"usage\":{\"input_tokens\":0,\"cache_read_input_tokens\":900,\"output_tokens\":256}}"));

        assertEquals(List.of(new Finished("length"), new UsageReport(new Usage(940, 256, 900, 0, 0))), events);
    }

    @Test
    void turnsAnOverloadedErrorEventIntoARetryableFailure() throws IOException {
        Decoded stream = decode("streams/overloaded-mid-stream.sse");

        assertEquals(List.of(new Started("msg_01Ov3rL0aD3dStr3amAbCdEf"), new UsageReport(Usage.of(18, 1)),
                new TextDelta("Sure, here")), stream.events.subList(0, 3));
        GatewayException error = assertInstanceOf(StreamEvent.Failed.class, stream.events.get(3)).error();
        assertEquals(503, error.status());
        assertEquals("upstream_error", error.type());
        assertEquals("overloaded", error.code());
        assertTrue(error.retryable());
        assertFalse(stream.finished);
    }

    @Test
    void turnsAnUnreadableEventIntoAFailure() {
        List<StreamEvent> events = codec.newStreamDecoder().decode(new SseEvent("content_block_delta", "{not json"));

        GatewayException error = assertInstanceOf(StreamEvent.Failed.class, events.get(0)).error();
        assertEquals(502, error.status());
    }

    @Test
    void ignoresPingsBlockStopsAndEventTypesAddedLater() {
        StreamDecoder decoder = codec.newStreamDecoder();

        assertEquals(List.of(), decoder.decode(new SseEvent("ping", "{\"type\": \"ping\"}")));
        assertEquals(List.of(), decoder.decode(new SseEvent("content_block_stop", "{\"type\":\"content_block_stop\","
                + "\"index\":0}")));
        assertEquals(List.of(), decoder.decode(new SseEvent("brand_new_event", "{\"type\":\"brand_new_event\"}")));
        assertFalse(decoder.finished());
    }

    @Test
    void decodesARecordedThinkingStreamWithItsSignatureAndARedactedBlock() throws IOException {
        Decoded stream = decode("streams/thinking.sse");

        assertEquals(List.of(
                new Started("msg_01ThNkStr3am9xYz"),
                new UsageReport(Usage.of(36, 4)),
                new ThinkingDelta(ThinkingBlock.thinking("27 * 453: 27 * 400 = 10800, ", null)),
                new ThinkingDelta(ThinkingBlock.thinking("27 * 53 = 1431; 12231.", null)),
                new ThinkingDelta(ThinkingBlock.thinking("", "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds")),
                new ThinkingDelta(ThinkingBlock.redacted("EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIw")),
                new TextDelta("27 * 453 = 12231"),
                new Finished("stop"),
                // thinking is billed in output_tokens, which message_delta reports whole
                new UsageReport(Usage.of(36, 143))), stream.events);
        assertTrue(stream.finished);
    }

    @Test
    void aToolCallWithoutArgumentsStreamsEmptyObjectArgumentsAtItsBlocksEnd() {
        StreamDecoder decoder = toolBlockStarted(0);
        decoder.decode(new SseEvent("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}"));

        assertEquals(List.of(new StreamEvent.ToolCallDelta(0, null, null, "{}")), decoder.decode(new SseEvent(
                "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")));
    }

    @Test
    void aToolCallWithArgumentsGetsNothingMoreAtItsBlocksEnd() {
        StreamDecoder decoder = toolBlockStarted(1);
        decoder.decode(new SseEvent("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,"
                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"tz\\\": \\\"UTC\\\"}\"}}"));

        assertEquals(List.of(), decoder.decode(new SseEvent("content_block_stop",
                "{\"type\":\"content_block_stop\",\"index\":1}")));
    }

    /** A decoder that has seen a tool_use block start at {@code blockIndex}. */
    private StreamDecoder toolBlockStarted(int blockIndex) {
        StreamDecoder decoder = codec.newStreamDecoder();
        decoder.decode(new SseEvent("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + blockIndex
                + ",\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_time\",\"input\":{}}}"));
        return decoder;
    }

    private Decoded decode(String fixture) throws IOException {
        StreamDecoder decoder = codec.newStreamDecoder();
        List<StreamEvent> events = new ArrayList<>();
        try (InputStream in = AnthropicFixtures.open(fixture)) {
            SseReader reader = new SseReader(in);
            for (SseEvent event = reader.next(); event != null; event = reader.next()) {
                events.addAll(decoder.decode(event));
            }
        }
        return new Decoded(events, decoder.finished());
    }

    private record Decoded(List<StreamEvent> events, boolean finished) {

        /** What the relay keeps: every usage report merged field by field. */
        Usage finalUsage() {
            return events.stream().filter(UsageReport.class::isInstance).map(e -> ((UsageReport) e).usage())
                    .reduce(Usage.NONE, Usage::merge);
        }
    }
}
