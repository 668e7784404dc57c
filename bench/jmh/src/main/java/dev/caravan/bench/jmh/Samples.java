package dev.caravan.bench.jmh;

import dev.caravan.api.OpenAiRequestParser;
import dev.caravan.core.ChatRequest;

import java.nio.charset.StandardCharsets;

/** Wire samples the codec benchmarks share: a typical chat request, in OpenAI's shape as callers send it. */
final class Samples {

    private Samples() {
    }

    /** A small chat request: system prompt, a user turn, two sampling settings. */
    static final String SMALL_REQUEST = "{\"model\":\"gpt-4o-mini\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"You are a helpful assistant. Answer briefly.\"},"
            + "{\"role\":\"user\",\"content\":\"What is the capital of France, and why is it famous?\"}],"
            + "\"temperature\":0.2,\"max_tokens\":256}";

    /** A request with two tools and a finished tool round trip (assistant tool calls, tool results). */
    static final String TOOL_REQUEST = "{\"model\":\"gpt-4o-mini\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"You can look the weather up.\"},"
            + "{\"role\":\"user\",\"content\":\"Is it warmer in Paris or in London right now?\"},"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
            + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
            + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"London\\\"}\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18 degrees, sunny\"},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"12 degrees, light rain\"}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Get the current weather in a given city\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\",\"description\":\"The city, e.g. Paris\"}},"
            + "\"required\":[\"city\"]}}},{\"type\":\"function\",\"function\":{\"name\":\"get_time\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{}}}}],\"tool_choice\":\"auto\"}";

    static ChatRequest parse(String json) {
        return new OpenAiRequestParser().parse(json.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
