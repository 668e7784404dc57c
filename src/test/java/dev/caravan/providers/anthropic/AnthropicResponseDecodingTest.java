package dev.caravan.providers.anthropic;

import dev.caravan.core.ChatResponse;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.ToolCall;
import dev.caravan.core.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicResponseDecodingTest {

    private static final String SONNET = "claude-sonnet-4-20250514";
    private static final String HAIKU = "claude-3-5-haiku-20241022";

    private final AnthropicCodec codec = new AnthropicCodec(model -> 4096);

    static Stream<Arguments> recordedResponses() {
        return Stream.of(
                Arguments.of("reads a text answer that ended its turn as stop", "text.json",
                        new ChatResponse("msg_013Zva2CMHLNnXjNJJKqJ2EF", SONNET, "Hi! My name is Claude.", List.of(),
                                "stop", Usage.of(10, 12))),
                Arguments.of("reads tool_use blocks as tool calls with compact JSON arguments", "tool-use.json",
                        new ChatResponse("msg_01Aq9w938a90dw8q", SONNET, "I'll check the weather in both cities.",
                                List.of(new ToolCall("toolu_01A09q90qw90lq917835lq9", "get_weather",
                                                "{\"city\":\"Paris\",\"unit\":\"celsius\"}"),
                                        new ToolCall("toolu_01B7h2sVdyKpYAbwfm3u2x5r", "get_weather",
                                                "{\"city\":\"London\",\"unit\":\"celsius\"}")),
                                "tool_calls", Usage.of(472, 91))),
                Arguments.of("reads max_tokens as length", "max-tokens.json",
                        new ChatResponse("msg_01XFDUDYJgAACzvnptvVoYEL", HAIKU, "Once upon a time, in a land far",
                                List.of(), "length", Usage.of(14, 10))),
                Arguments.of("reads stop_sequence as stop", "stop-sequence.json",
                        new ChatResponse("msg_01Hm3bVfQ8n5kXq2oT7rYc1Z", HAIKU, "Red, green, blue. ", List.of(),
                                "stop", Usage.of(21, 8))),
                Arguments.of("reads a refusal with no content as content_filter", "refusal.json",
                        new ChatResponse("msg_01RfS4lKq2VbN8wX3yZ5tA6c", SONNET, null, List.of(), "content_filter",
                                Usage.of(35, 1))),
                Arguments.of("reads pause_turn as stop", "pause-turn.json",
                        new ChatResponse("msg_01PtQ7mNb3Xc9Vd2Kf4Lg8Hj", SONNET, "Let me search for that.", List.of(),
                                "stop", Usage.of(2679, 44))),
                Arguments.of("counts cache reads and writes in the prompt and keeps thinking apart from the text",
                        "cached-prompt.json",
                        new ChatResponse("msg_01CaCh3dPr0mPtXyZ12345ab", SONNET,
                                "The document describes three caching strategies.", List.of(), "stop",
                                new Usage(21 + 1500 + 188086, 393, 1500, 188086, 0), null, null,
                                List.of(ThinkingBlock.thinking("The user asks for a summary.",
                                        "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds")))),
                Arguments.of("reads thinking and redacted thinking blocks, signature and data unchanged, in order",
                        "thinking-tool-use.json",
                        new ChatResponse("msg_01ThNk7xQpVb2Wc9Ld4Rf8Ym", "claude-3-7-sonnet-20250219",
                                "Let me check the weather.",
                                List.of(new ToolCall("toolu_01CswdEQBMshySk6Y9DFKrfq", "get_weather",
                                        "{\"city\":\"Paris\"}")),
                                // thinking is billed in output_tokens: the usage is Anthropic's, as it came
                                "tool_calls", Usage.of(412, 187), null, null, List.of(
                                ThinkingBlock.thinking("The user wants the weather in Paris. I should call "
                                        + "get_weather.", "EuYBCkQYAiJAgCs1le6/Pol5Z4/JMomVOouGrWdhYNsH3ukzUECbB6iWrSQ"
                                        + "tsQuRHJID6lWV6PZ4LZ2xOiMY2fdBOGyE1yK1BhIMrJ0mxJLvc1qw"),
                                ThinkingBlock.redacted("EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr"
                                        + "3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj")))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordedResponses")
    void decodesEachRecordedAnswer(String sentence, String fixture, ChatResponse expected) {
        assertEquals(expected, codec.decodeResponse(AnthropicFixtures.bytes("responses/" + fixture)));
    }

    @Test
    void reportsAnUnreadableAnswerAsARetryableUpstreamFailure() {
        GatewayException error = assertThrows(GatewayException.class,
                () -> codec.decodeResponse("<html>oops</html>".getBytes(StandardCharsets.UTF_8)));

        assertEquals(502, error.status());
        assertTrue(error.retryable());
    }
}
