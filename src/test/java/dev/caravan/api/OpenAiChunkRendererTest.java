package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.Usage;
import dev.caravan.providers.StreamDecoder;
import dev.caravan.providers.openai.OpenAiCodec;
import dev.caravan.streaming.SseEvent;
import dev.caravan.streaming.SseReader;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiChunkRendererTest {

    private static final Usage USAGE = new Usage(2006, 300, 1920, 0, 192);

    @Test
    void sendsTheRoleOnlyOnTheFirstDelta() throws IOException {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "gpt-4o", false);

        JsonNode first = chunk(renderer.event(new StreamEvent.TextDelta("Hel")));
        JsonNode second = chunk(renderer.event(new StreamEvent.TextDelta("lo")));
        JsonNode last = chunk(renderer.event(new StreamEvent.Finished("stop")));

        assertEquals(json("{\"role\":\"assistant\",\"content\":\"Hel\"}"), first.at("/choices/0/delta"));
        assertEquals(json("{\"content\":\"lo\"}"), second.at("/choices/0/delta"));
        assertEquals(json("{}"), last.at("/choices/0/delta"));
        assertEquals("stop", last.at("/choices/0/finish_reason").asText());
    }

    @Test
    void anAnswerWithNothingInItSaysItsContentIsEmptyText() throws IOException {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "claude-x", false);

        JsonNode last = chunk(renderer.event(new StreamEvent.Finished("stop")));

        assertEquals(json("{\"role\":\"assistant\",\"content\":\"\"}"), last.at("/choices/0/delta"));
    }

    @Test
    void aDeltaFromOpenAiCarriesItsChunksLogprobs() throws IOException {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "gpt-4o", false);
        JsonNode logprobs = json("{\"content\":[{\"token\":\"Hi\",\"logprob\":-0.1,\"bytes\":[72,105],"
                + "\"top_logprobs\":[]}],\"refusal\":null}");
        com.fasterxml.jackson.databind.node.ObjectNode passThrough = Json.MAPPER.createObjectNode();
        passThrough.set("logprobs", logprobs);

        JsonNode text = chunk(renderer.event(new StreamEvent.TextDelta("Hi", passThrough)));
        JsonNode plain = chunk(renderer.event(new StreamEvent.TextDelta("!")));

        assertEquals(logprobs, text.at("/choices/0/logprobs"));
        assertEquals(json("{\"role\":\"assistant\",\"content\":\"Hi\"}"), text.at("/choices/0/delta"));
        assertTrue(plain.at("/choices/0/logprobs").isNull());
    }

    @Test
    void openAisAudioIsAChunkOfItsOwnAndTheAnswerHasNoTextContent() throws IOException {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "gpt-4o-audio-preview", false);
        JsonNode audio = json("{\"id\":\"audio_1\",\"transcript\":\"\"}");
        com.fasterxml.jackson.databind.node.ObjectNode passThrough = Json.MAPPER.createObjectNode();
        passThrough.putObject("delta").set("audio", audio);

        JsonNode first = chunk(renderer.event(new StreamEvent.PassThroughDelta(passThrough)));
        JsonNode last = chunk(renderer.event(new StreamEvent.Finished("stop")));

        assertEquals(json("{\"role\":\"assistant\",\"audio\":" + audio + "}"), first.at("/choices/0/delta"));
        assertTrue(first.at("/choices/0/logprobs").isNull());
        assertTrue(first.at("/choices/0/finish_reason").isNull());
        assertEquals(json("{}"), last.at("/choices/0/delta"), "audio was sent: no empty text content");
    }

    @Test
    void aChunkHasTheShapeOfOpenAisChunks() throws IOException {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "gpt-4o", true);

        JsonNode chunk = chunk(renderer.event(new StreamEvent.TextDelta("Hi")));
        long created = chunk.get("created").asLong();

        assertEquals(json("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}"), chunk);
        assertTrue(Math.abs(System.currentTimeMillis() / 1000 - created) < 60, "created is in seconds");
    }

    @Test
    void withIncludeUsageEveryChunkHasANullUsageAndTheEndIsAUsageChunkThenDone() throws IOException {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "gpt-4o", true);
        JsonNode text = chunk(renderer.event(new StreamEvent.TextDelta("Hi")));
        JsonNode finish = chunk(renderer.event(new StreamEvent.Finished("length")));

        List<SseEvent> end = events(renderer.end(USAGE, new BigDecimal("0.005615")));

        assertTrue(text.has("usage") && text.get("usage").isNull());
        assertTrue(finish.has("usage") && finish.get("usage").isNull());
        assertEquals(2, end.size());
        JsonNode usageChunk = json(end.get(0).data());
        assertEquals(json("[]"), usageChunk.get("choices"));
        assertEquals("chatcmpl-1", usageChunk.get("id").asText());
        assertEquals("chat.completion.chunk", usageChunk.get("object").asText());
        assertEquals(text.get("created"), usageChunk.get("created"));
        assertEquals(json("{\"prompt_tokens\":2006,\"completion_tokens\":300,\"total_tokens\":2306,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1920},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":192}}"), usageChunk.get("usage"));
        assertEquals(new SseEvent(null, "[DONE]"), end.get(1));
    }

    @Test
    void withoutIncludeUsageChunksHaveNoUsageAndTheEndIsOnlyDone() throws IOException {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "gpt-4o", false);

        assertFalse(chunk(renderer.event(new StreamEvent.TextDelta("Hi"))).has("usage"));
        assertFalse(chunk(renderer.event(new StreamEvent.Finished("stop"))).has("usage"));
        assertEquals("data: [DONE]\n\n", new String(renderer.end(USAGE, BigDecimal.ONE), StandardCharsets.UTF_8));
    }

    @Test
    void rendersToolCallsWithIdTypeAndNameOnlyOnTheirFirstPiece() throws IOException {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "gpt-4o", false);

        JsonNode start = chunk(renderer.event(new StreamEvent.ToolCallDelta(0, "call_1", "get_weather", "")));
        JsonNode piece = chunk(renderer.event(new StreamEvent.ToolCallDelta(0, null, null, "{\"city\":")));
        JsonNode nullPiece = chunk(renderer.event(new StreamEvent.ToolCallDelta(1, null, null, null)));

        assertEquals(json("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}"), start.at("/choices/0/delta"));
        assertEquals(json("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}"),
                piece.at("/choices/0/delta"));
        assertEquals(json("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"\"}}]}"),
                nullPiece.at("/choices/0/delta"));
    }

    @Test
    void eventsWithNothingToShowRenderAsNull() {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "gpt-4o", true);

        assertNull(renderer.event(new StreamEvent.Started("upstream-id")));
        assertNull(renderer.event(new StreamEvent.UsageReport(USAGE)));
        assertNull(renderer.event(new StreamEvent.Failed(GatewayException.upstreamUnavailable("openai", "x"))));
    }

    @Test
    void eachEventIsOneSseEventEvenWhenTheTextHasLineBreaks() {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "gpt-4o", false);

        String wire = new String(renderer.event(new StreamEvent.TextDelta("line one\nline two\r\n\n")),
                StandardCharsets.UTF_8);

        assertTrue(wire.startsWith("data: {"), wire);
        assertTrue(wire.endsWith("}\n\n"), wire);
        assertEquals(wire.length() - 2, wire.indexOf('\n'), "no line break before the end of the event");
    }

    @Test
    void anErrorIsOpenAisErrorShapeAsAnEvent() throws IOException {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "gpt-4o", true);

        List<SseEvent> events = events(renderer.error(GatewayException.timeout("openai", "no stream event")));

        assertEquals(1, events.size());
        assertEquals(json("{\"error\":{\"message\":\"openai: no stream event\",\"type\":\"upstream_error\","
                + "\"param\":null,\"code\":\"upstream_timeout\"}}"), json(events.get(0).data()));
    }

    @Test
    void whatItRendersTheOpenAiDecoderReadsBackEventForEvent() throws IOException {
        List<StreamEvent> sent = List.of(new StreamEvent.TextDelta("Let me check. "),
                new StreamEvent.ToolCallDelta(0, "call_1", "get_weather", ""),
                new StreamEvent.ToolCallDelta(0, null, null, "{\"city\":\"Fez\"}"),
                new StreamEvent.Finished("tool_calls"));
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-9", "gpt-4o", true);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (StreamEvent event : sent) {
            wire.write(renderer.event(event));
        }
        wire.write(renderer.end(USAGE, null));

        StreamDecoder decoder = new OpenAiCodec().newStreamDecoder();
        List<StreamEvent> received = new ArrayList<>();
        SseReader reader = new SseReader(new ByteArrayInputStream(wire.toByteArray()));
        for (SseEvent event = reader.next(); event != null; event = reader.next()) {
            received.addAll(decoder.decode(event));
        }

        List<StreamEvent> expected = new ArrayList<>();
        expected.add(new StreamEvent.Started("chatcmpl-9"));
        expected.addAll(sent);
        expected.add(new StreamEvent.UsageReport(USAGE));
        assertEquals(expected, received);
        assertTrue(decoder.finished());
    }

    private static JsonNode chunk(byte[] event) throws IOException {
        List<SseEvent> events = events(event);
        assertEquals(1, events.size());
        return json(events.get(0).data());
    }

    private static List<SseEvent> events(byte[] wire) throws IOException {
        SseReader reader = new SseReader(new ByteArrayInputStream(wire));
        List<SseEvent> events = new ArrayList<>();
        for (SseEvent event = reader.next(); event != null; event = reader.next()) {
            events.add(event);
        }
        return events;
    }

    private static JsonNode json(String text) throws IOException {
        return Json.MAPPER.readTree(text);
    }

    @Test
    void thinkingStreamsAsReasoningContentWithItsBlockPieceAndTheSignatureLast() throws IOException {
        OpenAiChunkRenderer renderer = new OpenAiChunkRenderer("chatcmpl-1", "claude-3-7-sonnet", false);

        JsonNode text = chunk(renderer.event(new StreamEvent.ThinkingDelta(ThinkingBlock.thinking("2+2", null))));
        JsonNode signature = chunk(renderer.event(new StreamEvent.ThinkingDelta(ThinkingBlock.thinking("", "EqQB"))));
        JsonNode redacted = chunk(renderer.event(new StreamEvent.ThinkingDelta(ThinkingBlock.redacted("EmwK"))));

        assertEquals(json("{\"role\":\"assistant\",\"reasoning_content\":\"2+2\","
                + "\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"2+2\"}]}"), text.at("/choices/0/delta"));
        assertEquals(json("{\"reasoning_content\":\"\",\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"\","
                + "\"signature\":\"EqQB\"}]}"), signature.at("/choices/0/delta"));
        assertEquals(json("{\"thinking_blocks\":[{\"type\":\"redacted_thinking\",\"data\":\"EmwK\"}]}"),
                redacted.at("/choices/0/delta"));
    }
}
