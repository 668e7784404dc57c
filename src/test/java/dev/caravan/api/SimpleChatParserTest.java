package dev.caravan.api;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimpleChatParserTest {

    private static final String USER = "{\"role\":\"user\",\"content\":\"hi\"}";

    private final SimpleChatParser parser = new SimpleChatParser();

    private static String with(String extra) {
        return "{\"model\":\"chat\",\"messages\":[" + USER + "]," + extra + "}";
    }

    private static String messages(String messages) {
        return "{\"model\":\"chat\",\"messages\":[" + messages + "]}";
    }

    static Stream<Arguments> badBodies() {
        return Stream.of(
                Arguments.of("an empty body", "", null, "invalid_json"),
                Arguments.of("invalid JSON", "{\"model\":\"chat\",", null, "invalid_json"),
                Arguments.of("a JSON array", "[]", null, "invalid_json"),
                Arguments.of("a JSON number", "42", null, "invalid_json"),
                Arguments.of("an unknown field", with("\"top_p\":0.5"), "top_p", "invalid_value"),
                Arguments.of("an OpenAI field name", with("\"max_tokens\":10"), "max_tokens", "invalid_value"),
                Arguments.of("stream_options", with("\"stream_options\":{\"include_usage\":true}"), "stream_options",
                        "invalid_value"),
                Arguments.of("no model", "{\"messages\":[" + USER + "]}", "model", "invalid_value"),
                Arguments.of("a numeric model", "{\"model\":1,\"messages\":[" + USER + "]}", "model", "invalid_value"),
                Arguments.of("no messages", "{\"model\":\"chat\"}", "messages", "invalid_value"),
                Arguments.of("empty messages", "{\"model\":\"chat\",\"messages\":[]}", "messages", "invalid_value"),
                Arguments.of("messages not an array", "{\"model\":\"chat\",\"messages\":{}}", "messages",
                        "invalid_value"),
                Arguments.of("a message that is a string", messages("\"hi\""), "messages[0]", "invalid_value"),
                Arguments.of("a tool message", messages("{\"role\":\"tool\",\"content\":\"x\"}"), "messages[0].role",
                        "invalid_value"),
                Arguments.of("a developer message", messages("{\"role\":\"developer\",\"content\":\"x\"}"),
                        "messages[0].role", "invalid_value"),
                Arguments.of("a message without a role", messages("{\"content\":\"x\"}"), "messages[0].role",
                        "invalid_value"),
                Arguments.of("content parts", messages("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}"),
                        "messages[0].content", "invalid_value"),
                Arguments.of("a message without content", messages(USER + ",{\"role\":\"assistant\"}"),
                        "messages[1].content", "invalid_value"),
                Arguments.of("maxTokens 0", with("\"maxTokens\":0"), "maxTokens", "invalid_value"),
                Arguments.of("maxTokens -1", with("\"maxTokens\":-1"), "maxTokens", "invalid_value"),
                Arguments.of("maxTokens 1.5", with("\"maxTokens\":1.5"), "maxTokens", "invalid_value"),
                Arguments.of("temperature 2.5", with("\"temperature\":2.5"), "temperature", "invalid_value"),
                Arguments.of("temperature as a string", with("\"temperature\":\"hot\""), "temperature",
                        "invalid_value"),
                Arguments.of("stream as a string", with("\"stream\":\"yes\""), "stream", "invalid_value"));
    }

    @ParameterizedTest(name = "{0} is a 400 on {2}")
    @MethodSource("badBodies")
    void rejectsABadBodyNamingTheParameter(String what, String body, String param, String code) {
        GatewayException error = assertThrows(GatewayException.class,
                () -> parser.parse(body.getBytes(StandardCharsets.UTF_8)));

        assertEquals(400, error.status());
        assertEquals("invalid_request_error", error.type());
        assertEquals(code, error.code());
        assertEquals(param, error.param());
        assertFalse(error.retryable());
    }

    @Test
    void parsesAFullRequest() {
        ChatRequest request = parser.parse(("{\"model\":\"chat\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hello\"},{\"role\":\"assistant\",\"content\":\"Hi!\"},"
                + "{\"role\":\"user\",\"content\":\"How far is Fez?\"}],\"maxTokens\":200,\"temperature\":0.3,"
                + "\"stream\":true}").getBytes(StandardCharsets.UTF_8));

        assertEquals("chat", request.model());
        assertEquals(List.of(ChatMessage.of("system", "Be brief."), ChatMessage.of("user", "Hello"),
                ChatMessage.of("assistant", "Hi!"), ChatMessage.of("user", "How far is Fez?")), request.messages());
        assertEquals(200, request.maxTokens());
        assertEquals(0.3, request.temperature());
        assertTrue(request.stream());
        assertTrue(request.includeUsage(), "the /ai/chat stream always ends with usage");
        assertNull(request.topP());
        assertEquals(List.of(), request.stop());
        assertEquals(List.of(), request.tools());
        assertNull(request.toolChoice());
        assertNull(request.user());
        assertNull(request.original(), "nothing to forward: the OpenAI codec builds the request");
        assertEquals("How far is Fez?", request.lastUserText());
    }

    @Test
    void everythingButModelAndMessagesIsOptional() {
        ChatRequest request = parser.parse(messages(USER).getBytes(StandardCharsets.UTF_8));

        assertNull(request.maxTokens());
        assertNull(request.temperature());
        assertFalse(request.stream());
    }
}
