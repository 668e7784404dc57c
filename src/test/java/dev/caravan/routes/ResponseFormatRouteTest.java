package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A json_object or json_schema response_format goes only where it is honoured: OpenAI gets it as sent; a model
 * served by Anthropic is refused with a 400 before any upstream is called; an Anthropic fallback is left out.
 */
class ResponseFormatRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANTHROPIC_KEY = "sk-ant-format-test";
    private static final String CLAUDE = "claude-3-5-haiku-20241022";
    private static final String JSON_SCHEMA = "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"city\","
            + "\"schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}}}";

    @TempDir
    static Path dir;
    static FakeOpenAi openAi;
    static FakeAnthropic anthropic;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        openAi = new FakeOpenAi();
        anthropic = new FakeAnthropic(ANTHROPIC_KEY);
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, Files.readString(Path.of("config/catalog.yaml"))
                .replace("fallbacks:\n", "fallbacks:\n  gpt-4o-mini: [" + CLAUDE + ", mock-echo]\n"));
        gateway = Gateway.start(Map.of("caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key",
                "sk-format-test", "caravan.anthropic.base-url", anthropic.baseUrl(), "caravan.anthropic.api-key",
                ANTHROPIC_KEY, "caravan.catalog.file", catalog.toString(),
                "caravan.openai.retry.max-retries", "0", "caravan.anthropic.retry.max-retries", "0"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        anthropic.close();
        openAi.close();
    }

    @BeforeEach
    void reset() {
        openAi.received().clear();
        anthropic.received().clear();
        openAi.always(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("{}", 12, 2)));
        anthropic.always(anthropic.reply(FakeAnthropic.text("Free text.", 12, 2)));
    }

    private static String chat(String model, String responseFormat, boolean stream) {
        return "{\"model\":\"" + model + "\",\"response_format\":" + responseFormat + ",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Name a city\"}]}";
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {JSON_SCHEMA, "{\"type\":\"json_object\"}"})
    void aModelServedByAnthropicIsRefusedWithA400NamingTheProviderBeforeAnyCall(String format) throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(CLAUDE, format, stream));

            assertEquals(400, response.statusCode(), response.body());
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertEquals("invalid_request_error", error.path("type").asText());
            assertEquals("response_format", error.path("param").asText());
            assertTrue(error.path("message").asText().contains("anthropic"), error.toString());
            assertTrue(error.path("message").asText().contains(CLAUDE), error.toString());
        }
        assertEquals(0, anthropic.received().size());
    }

    @Test
    void aTextResponseFormatStillGoesToAnthropic() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(CLAUDE, "{\"type\":\"text\"}", false));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("anthropic", response.headers().firstValue("x-caravan-provider").orElseThrow());
    }

    @Test
    void openAiGetsTheResponseFormatAsSent() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", JSON_SCHEMA, false));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(JSON.readTree(JSON_SCHEMA),
                JSON.readTree(openAi.received().get(0).body()).path("response_format"));
    }

    @Test
    void aFailingOpenAiFallsBackPastTheAnthropicFallbackThatWouldIgnoreTheFormat() throws Exception {
        openAi.always(FakeOpenAi.json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));

        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", JSON_SCHEMA, false));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("mock", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals(0, anthropic.received().size());
    }
}
