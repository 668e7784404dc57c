package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import dev.caravan.support.OpenAiWithClaudeFallback;
import dev.caravan.support.StreamCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Claude Opus 5.5 (as Sonnet 5.5 and Fable) takes no forced tool call, end to end: the real gateway before a fake
 * Messages API that refuses one for those models and takes Anthropic's output format only with a closed object schema.
 * Structured outputs reach the model as that format, single and streamed; a forced tool_choice or a json_object is a
 * 400 before any call, and a fallback chain goes past such a model.
 */
class NoForcedToolRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-ant-test-key-no-forced-tool";
    private static final String OPUS_55 = "claude-opus-5-5";
    private static final String SONNET_37 = "claude-3-7-sonnet-20250219";
    private static final String HAIKU_55 = "claude-haiku-5-5";
    /** OpenAI's usual schema: objects open, as OpenAI takes them outside strict mode. */
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
            + "\"where\":{\"type\":\"object\",\"properties\":{\"lat\":{\"type\":\"number\"}}}},"
            + "\"required\":[\"city\"]}";
    private static final String JSON_SCHEMA = "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":"
            + "{\"name\":\"place\",\"schema\":" + SCHEMA + "}},";
    private static final String WEATHER_TOOL = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}],";
    private static final String QUESTION = "[{\"role\":\"user\",\"content\":\"Where is the Louvre?\"}]";
    private static final String ANSWER = "{\"city\":\"Paris\",\"where\":{\"lat\":48.86}}";

    @TempDir
    static Path dir;
    static OpenAiWithClaudeFallback upstreams;
    static FakeAnthropic anthropic;
    static FakeOpenAi openAi;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        UnaryOperator<String> chain = OpenAiWithClaudeFallback.fallbacks(OPUS_55 + ", " + SONNET_37);
        upstreams = OpenAiWithClaudeFallback.start(dir, KEY, catalog -> chain.apply(catalog).replace("models:\n",
                "models:\n  anthropic/" + HAIKU_55 + ": {input: 0.10, output: 0.50}\n"));
        anthropic = upstreams.anthropic();
        openAi = upstreams.openAi();
        gateway = upstreams.gateway();
    }

    @AfterAll
    static void stop() throws Exception {
        upstreams.close();
    }

    @BeforeEach
    void reset() {
        anthropic.received().clear();
        openAi.received().clear();
        anthropic.always(anthropic.reply(FakeAnthropic.pieces(List.of("{\"city\":\"Paris\",", "\"where\":{\"lat\":48.86}}"),
                "end_turn", 30, 12)));
        openAi.always(FakeOpenAi.json(500, "{\"error\":{\"message\":\"down\",\"type\":\"server_error\"}}"));
    }

    private static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\"," + extra + "\"messages\":" + QUESTION + "}";
    }

    @Test
    void structuredOutputsReachTheModelAsItsOwnOutputFormatWithTheSchemaClosed() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(OPUS_55, JSON_SCHEMA));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = anthropic.received().get(0).json();
        assertFalse(sent.has("tools"), "no answer's tool: " + sent);
        assertFalse(sent.has("tool_choice"), "no forced tool call: " + sent);
        JsonNode closed = JSON.readTree(SCHEMA);
        ((com.fasterxml.jackson.databind.node.ObjectNode) closed).put("additionalProperties", false);
        ((com.fasterxml.jackson.databind.node.ObjectNode) closed.at("/properties/where"))
                .put("additionalProperties", false);
        assertEquals(JSON.createObjectNode().put("type", "json_schema").set("schema", closed),
                sent.at("/output_config/format"));
        JsonNode choice = JSON.readTree(response.body()).at("/choices/0");
        assertEquals(ANSWER, choice.at("/message/content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
    }

    @Test
    void aStreamedStructuredOutputIsTheModelsTextAsItComes() throws Exception {
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(OPUS_55, JSON_SCHEMA + "\"stream\":true,"));

        assertEquals(200, stream.status());
        assertEquals("json_schema", anthropic.received().get(0).json().at("/output_config/format/type").asText());
        assertEquals(ANSWER, stream.openAiText());
    }

    @Test
    void theOutputFormatGoesBesideTheEffortOfReasoning() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(OPUS_55, JSON_SCHEMA + "\"reasoning_effort\":\"low\","));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode config = anthropic.received().get(0).json().path("output_config");
        assertEquals("low", config.path("effort").asText());
        assertEquals("json_schema", config.at("/format/type").asText());
    }

    @Test
    void aForcedToolChoiceIsRefusedBeforeAnyCall() throws Exception {
        for (String choice : List.of("\"required\"", "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}")) {
            HttpResponse<String> response = gateway.post("/v1/chat/completions",
                    chat(OPUS_55, WEATHER_TOOL + "\"tool_choice\":" + choice + ","));

            assertEquals(400, response.statusCode(), response.body());
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertEquals("tool_choice", error.path("param").asText(), response.body());
            assertTrue(error.path("message").asText().contains("takes no forced tool call"), response.body());
        }
        assertTrue(anthropic.received().isEmpty(), "no call was made");
    }

    /**
     * Claude Haiku 5.5 is of the same generation but takes a forced tool call (Anthropic lists no such breaking change
     * for it, as it does for Opus 5.5 and Sonnet 5.5): a forced tool_choice and a json_object reach it as before.
     */
    @Test
    void haiku55TakesAForcedToolChoiceAndJsonOfAnyShape() throws Exception {
        anthropic.always(anthropic.reply(FakeAnthropic.toolUse(new FakeAnthropic.ToolUse("toolu_01H", "get_weather",
                List.of("{\"city\":\"Paris\"}")), 40, 9)));
        HttpResponse<String> forced = gateway.post("/v1/chat/completions",
                chat(HAIKU_55, WEATHER_TOOL + "\"tool_choice\":\"required\","));

        assertEquals(200, forced.statusCode(), forced.body());
        assertEquals("any", anthropic.received().get(0).json().at("/tool_choice/type").asText());

        anthropic.always(anthropic.reply(FakeAnthropic.toolUse(new FakeAnthropic.ToolUse("toolu_01J", "json_answer",
                List.of(ANSWER)), 40, 9)));
        HttpResponse<String> json = gateway.post("/v1/chat/completions",
                chat(HAIKU_55, "\"response_format\":{\"type\":\"json_object\"},"));

        assertEquals(200, json.statusCode(), json.body());
        assertEquals(ANSWER, JSON.readTree(json.body()).at("/choices/0/message/content").asText());
    }

    @Test
    void jsonOfAnyShapeIsRefusedBeforeAnyCallSinceTheModelTakesASchemaOnly() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(OPUS_55, "\"response_format\":{\"type\":\"json_object\"},"));

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("response_format", JSON.readTree(response.body()).at("/error/param").asText());
        assertTrue(anthropic.received().isEmpty(), "no call was made");
    }

    @Test
    void aFallbackChainGoesPastTheModelForAForcedToolChoice() throws Exception {
        anthropic.always(anthropic.reply(FakeAnthropic.toolUse(new FakeAnthropic.ToolUse("toolu_01W", "get_weather",
                List.of("{\"city\":\"Paris\"}")), 40, 9)));

        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("gpt-4o-mini", WEATHER_TOOL + "\"tool_choice\":\"required\","));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(1, anthropic.received().size(), "Opus 5.5 was left out of the chain");
        assertEquals(SONNET_37, anthropic.received().get(0).json().path("model").asText());
        assertEquals("any", anthropic.received().get(0).json().at("/tool_choice/type").asText());
        assertEquals("get_weather", JSON.readTree(response.body())
                .at("/choices/0/message/tool_calls/0/function/name").asText());
    }
}
