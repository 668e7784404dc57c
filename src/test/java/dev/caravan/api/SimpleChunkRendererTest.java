package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.Usage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimpleChunkRendererTest {

    private final SimpleChunkRenderer renderer = new SimpleChunkRenderer("req-42");

    @Test
    void aTextDeltaIsAnUnfinishedChunk() throws IOException {
        assertEquals(json("{\"id\":\"req-42\",\"content\":\"Hello\\nworld\",\"finished\":false}"),
                event(renderer.event(new StreamEvent.TextDelta("Hello\nworld"))));
    }

    @Test
    void theFinishIsAnEmptyFinishedChunk() throws IOException {
        assertEquals(json("{\"id\":\"req-42\",\"content\":\"\",\"finished\":true}"),
                event(renderer.event(new StreamEvent.Finished("length"))));
    }

    @Test
    void eventsThatHaveNoPlaceInThisShapeRenderAsNull() {
        assertNull(renderer.event(new StreamEvent.Started("chatcmpl-1")));
        assertNull(renderer.event(new StreamEvent.ToolCallDelta(0, "call_1", "f", "{}")));
        assertNull(renderer.event(new StreamEvent.PassThroughDelta(Json.MAPPER.createObjectNode())));
        assertNull(renderer.event(new StreamEvent.UsageReport(Usage.of(1, 1))));
        assertNull(renderer.event(new StreamEvent.Failed(GatewayException.upstreamUnavailable("openai", "x"))));
    }

    @Test
    void theEndIsACompleteEventWithUsageAndCost() throws IOException {
        JsonNode complete = event(renderer.end(new Usage(2006, 300, 1920, 0, 192), new BigDecimal("0.005615")));

        assertEquals("complete", complete.get("type").asText());
        assertEquals(json("{\"promptTokens\":2006,\"completionTokens\":300,\"totalTokens\":2306}"),
                complete.get("usage"));
        assertEquals(0, new BigDecimal("0.005615").compareTo(complete.get("cost").decimalValue()));
    }

    @Test
    void theEndOfAStreamOfAnUnpricedModelHasANullCost() throws IOException {
        JsonNode complete = event(renderer.end(Usage.of(3, 4), null));

        assertTrue(complete.get("cost").isNull());
        assertEquals(7, complete.at("/usage/totalTokens").asInt());
    }

    @Test
    void anErrorIsAnErrorEventWithTheMessage() throws IOException {
        assertEquals(json("{\"type\":\"error\",\"error\":\"openai: the stream broke off\"}"),
                event(renderer.error(GatewayException.upstreamUnavailable("openai", "the stream broke off"))));
    }

    private static JsonNode event(byte[] wire) throws IOException {
        String text = new String(wire, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("data: ") && text.endsWith("\n\n"), text);
        assertEquals(text.length() - 2, text.indexOf('\n'), "one data line");
        return json(text.substring("data: ".length(), text.length() - 2));
    }

    private static JsonNode json(String text) throws IOException {
        return Json.MAPPER.readTree(text);
    }
}
