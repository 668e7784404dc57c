package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.providers.bedrock.AwsTestCredentials;
import dev.caravan.providers.bedrock.FakeBedrock;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import dev.caravan.support.ScriptedAnswer;
import dev.caravan.support.StreamCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prompt caching end to end: the caller's cache_control breakpoints (LiteLLM's convention) as the fake Anthropic
 * Messages API, the fake Bedrock Runtime and the fake OpenAI receive them, the 400s for bad ones, and cache usage
 * reported and priced.
 */
class PromptCachingRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANTHROPIC_KEY = "sk-ant-test-key-5151";
    private static final String OPENAI_KEY = "sk-test-upstream-key-5151";
    /** 0.80 input, 0.08 cache read, 1.00 cache write, 1.60 cache write for an hour, 4.00 output per million. */
    private static final String CLAUDE = "claude-3-5-haiku-20241022";
    private static final String BEDROCK_CLAUDE = "anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final String BEDROCK_NOVA = "amazon.nova-micro-v1:0";
    private static final String BEDROCK_NOVA_PROFILE = "us.amazon.nova-premier-v1:0";
    /** Nova Pro behind an application inference profile, whose ARN names no model; declared nova in the catalog. */
    private static final String BEDROCK_NOVA_ARN = "arn:aws:bedrock:us-east-1:123456789012:"
            + "application-inference-profile/n0va9r0f1le1";
    /** Bedrock models that take no cache points: the amazon family holds Titan as well as Nova. */
    private static final String BEDROCK_TITAN = "amazon.titan-text-premier-v1:0";
    /** A profile declared of the amazon family, which may be Titan: it is sent none, as before the nova family. */
    private static final String BEDROCK_AMAZON_ARN = "arn:aws:bedrock:us-east-1:123456789012:"
            + "application-inference-profile/am4z0nt1tan0";
    private static final String BEDROCK_LLAMA = "meta.llama3-1-8b-instruct-v1:0";
    private static final String EPHEMERAL = "{\"type\":\"ephemeral\"}";
    private static final String WEATHER_SCHEMA = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"]}";

    /** Every kind of breakpoint: on a tool (1h), a system part, a tool message and a user message given as a string. */
    private static final String MARKED = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Current weather for a city\",\"parameters\":" + WEATHER_SCHEMA + "},"
            + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}],\"messages\":["
            + "{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"You are a careful assistant.\","
            + "\"cache_control\":" + EPHEMERAL + "}]},"
            + "{\"role\":\"developer\",\"content\":\"Answer in French.\"},"
            + "{\"role\":\"user\",\"content\":\"What is the weather in Paris?\"},"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"toolu_01\",\"type\":\"function\","
            + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_01\",\"content\":\"18 C and sunny\",\"cache_control\":"
            + EPHEMERAL + "},"
            + "{\"role\":\"user\",\"content\":\"And tomorrow?\",\"cache_control\":{\"type\":\"ephemeral\","
            + "\"ttl\":\"5m\"}}]";
    /** The same request without its breakpoints. */
    private static final String UNMARKED = MARKED.replace(",\"cache_control\":" + EPHEMERAL, "")
            .replace(",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}", "")
            .replace(",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"5m\"}", "");

    @TempDir
    static Path dir;
    static FakeAnthropic anthropic;
    static FakeBedrock bedrock;
    static FakeOpenAi openAi;
    static AwsTestCredentials aws;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        anthropic = new FakeAnthropic(ANTHROPIC_KEY);
        bedrock = new FakeBedrock();
        bedrock.novaBehind(BEDROCK_NOVA_ARN);
        openAi = new FakeOpenAi();
        Path catalog = Files.writeString(dir.resolve("catalog.yaml"), Files.readString(Path.of("config/catalog.yaml"))
                .replace("models:\n", "models:\n  bedrock/" + BEDROCK_NOVA_ARN + ": {input: 0.80, output: 3.20, "
                        + "family: nova}\n  bedrock/" + BEDROCK_AMAZON_ARN + ": {family: amazon}\n"));
        aws = AwsTestCredentials.set("AKIDCARAVANCACHE1234");
        gateway = Gateway.start(Map.ofEntries(Map.entry("caravan.anthropic.base-url", anthropic.baseUrl()),
                Map.entry("caravan.anthropic.api-key", ANTHROPIC_KEY),
                Map.entry("caravan.openai.base-url", openAi.baseUrl()),
                Map.entry("caravan.openai.api-key", OPENAI_KEY),
                Map.entry("caravan.bedrock.enabled", "true"), Map.entry("caravan.bedrock.region", "us-east-1"),
                Map.entry("caravan.bedrock.endpoint", bedrock.endpoint().toString()),
                Map.entry("caravan.bedrock.http1", "true"),
                Map.entry("caravan.catalog.file", catalog.toString()),
                Map.entry("caravan.ledger.budgets-file", Files.writeString(dir.resolve("budgets.yaml"), "").toString()),
                Map.entry("caravan.anthropic.retry.max-retries", "0"), Map.entry("caravan.openai.retry.max-retries", "0"),
                Map.entry("caravan.bedrock.retry.max-retries", "0")));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        anthropic.close();
        bedrock.close();
        openAi.close();
        aws.close();
    }

    @BeforeEach
    void reset() {
        anthropic.received().clear();
        bedrock.received().clear();
        openAi.received().clear();
        anthropic.always(anthropic.reply(FakeAnthropic.text("Il fera beau.", 12, 5)));
        ScriptedAnswer answer = ScriptedAnswer.text(List.of("Il fera", " beau."), "stop", 12, 5);
        for (String model : List.of(BEDROCK_CLAUDE, BEDROCK_NOVA, BEDROCK_NOVA_PROFILE, BEDROCK_NOVA_ARN, BEDROCK_TITAN,
                BEDROCK_AMAZON_ARN, BEDROCK_LLAMA)) {
            bedrock.converse(model, answer.bedrockConverseJson());
            bedrock.stream(model, answer.bedrockFrames());
        }
        openAi.always(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("Il fera beau.", 12, 5)));
    }

    private static String chat(String model, String extra, String rest) {
        return "{\"model\":\"" + model + "\"," + extra + rest + "}";
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static final String ANTHROPIC_BODY = "{\"model\":\"" + CLAUDE + "\",\"max_tokens\":8192,"
            + "\"system\":[{\"type\":\"text\",\"text\":\"You are a careful assistant.\",\"cache_control\":"
            + EPHEMERAL + "},{\"type\":\"text\",\"text\":\"Answer in French.\"}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is the weather in "
            + "Paris?\"}]},{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_01\","
            + "\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_01\","
            + "\"content\":\"18 C and sunny\",\"cache_control\":" + EPHEMERAL + "},"
            + "{\"type\":\"text\",\"text\":\"And tomorrow?\",\"cache_control\":{\"type\":\"ephemeral\","
            + "\"ttl\":\"5m\"}}]}],"
            + "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Current weather for a city\","
            + "\"input_schema\":" + WEATHER_SCHEMA + ",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}]";

    @Test
    void anthropicReceivesEachBreakpointOnTheBlockOrToolItMarks_single() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(CLAUDE, "", MARKED));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(200, anthropic.received().get(0).status(), "the fake accepted the request");
        assertEquals(json(ANTHROPIC_BODY + "}"), anthropic.received().get(0).json());
    }

    @Test
    void anthropicReceivesEachBreakpointOnTheBlockOrToolItMarks_streamed() throws Exception {
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(CLAUDE, "\"stream\":true,", MARKED));

        assertEquals(200, stream.status(), String.join("\n", stream.data()));
        assertEquals("Il fera beau.", stream.openAiText());
        assertEquals(json(ANTHROPIC_BODY + ",\"stream\":true}"), anthropic.received().get(0).json());
    }

    @Test
    void aBreakpointOnAMessageMarksItsLastBlockAndOnAPartThatPartsBlock() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(CLAUDE, "", "\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief.\",\"cache_control\":" + EPHEMERAL + "},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Look:\",\"cache_control\":"
                + EPHEMERAL + "},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}},"
                + "{\"type\":\"text\",\"text\":\"What is it?\"}],\"cache_control\":" + EPHEMERAL + "}]"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals(json("[{\"type\":\"text\",\"text\":\"Be brief.\",\"cache_control\":" + EPHEMERAL + "}]"),
                sent.get("system"));
        assertEquals(json("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Look:\","
                + "\"cache_control\":" + EPHEMERAL + "},{\"type\":\"image\",\"source\":{\"type\":\"url\","
                + "\"url\":\"https://example.com/a.png\"}},{\"type\":\"text\",\"text\":\"What is it?\","
                + "\"cache_control\":" + EPHEMERAL + "}]}]"), sent.get("messages"));
    }

    /** The conversation as Converse gets it, with a cache point after each block that is marked. */
    private static final String CONVERSE_PROMPT = "{\"messages\":["
            + "{\"role\":\"user\",\"content\":[{\"text\":\"What is the weather in Paris?\"}]},"
            + "{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"toolu_01\",\"name\":\"get_weather\","
            + "\"input\":{\"city\":\"Paris\"}}}]},"
            + "{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"toolu_01\",\"content\":[{\"text\":"
            + "\"18 C and sunny\"}]}},{\"cachePoint\":{\"type\":\"default\"}},{\"text\":\"And tomorrow?\"},"
            + "{\"cachePoint\":{\"type\":\"default\",\"ttl\":\"5m\"}}]}],"
            + "\"system\":[{\"text\":\"You are a careful assistant.\"},{\"cachePoint\":{\"type\":\"default\"}},"
            + "{\"text\":\"Answer in French.\"}],";
    private static final String CONVERSE_TOOL = "{\"toolSpec\":{\"name\":\"get_weather\",\"description\":"
            + "\"Current weather for a city\",\"inputSchema\":{\"json\":" + WEATHER_SCHEMA + "}}}";
    /** Claude's: a cache point after the marked tool too. */
    private static final String CONVERSE_BODY = CONVERSE_PROMPT + "\"toolConfig\":{\"tools\":[" + CONVERSE_TOOL
            + ",{\"cachePoint\":{\"type\":\"default\",\"ttl\":\"1h\"}}]}}";
    /** Nova's: none among the tools, where Nova takes none. */
    private static final String NOVA_CONVERSE_BODY = CONVERSE_PROMPT + "\"toolConfig\":{\"tools\":[" + CONVERSE_TOOL
            + "]}}";
    /** Any model's for the request without breakpoints, or for a model that takes no cache points. */
    private static final String UNCACHED_CONVERSE_BODY = "{\"messages\":["
            + "{\"role\":\"user\",\"content\":[{\"text\":\"What is the weather in Paris?\"}]},"
            + "{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"toolu_01\",\"name\":\"get_weather\","
            + "\"input\":{\"city\":\"Paris\"}}}]},"
            + "{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"toolu_01\",\"content\":[{\"text\":"
            + "\"18 C and sunny\"}]}},{\"text\":\"And tomorrow?\"}]}],"
            + "\"system\":[{\"text\":\"You are a careful assistant.\"},{\"text\":\"Answer in French.\"}],"
            + "\"toolConfig\":{\"tools\":[" + CONVERSE_TOOL + "]}}";

    @ParameterizedTest(name = "stream: {0}")
    @ValueSource(booleans = {false, true})
    void claudeOnBedrockReceivesACachePointAfterEachBlockOrToolThatIsMarked(boolean stream) throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("bedrock/" + BEDROCK_CLAUDE, "\"stream\":" + stream + ",", MARKED));

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains(stream ? " beau." : "Il fera beau."), response.body());
        FakeBedrock.Received sent = bedrock.lastReceived();
        assertTrue(sent.path().endsWith(stream ? "/converse-stream" : "/converse"), sent.path());
        assertEquals(json(CONVERSE_BODY), sent.body());
    }

    @ParameterizedTest(name = "{0}, stream: {1}")
    @CsvSource({BEDROCK_NOVA + ", false", BEDROCK_NOVA + ", true", BEDROCK_NOVA_PROFILE + ", false",
            BEDROCK_NOVA_ARN + ", false", BEDROCK_NOVA_ARN + ", true"})
    void novaOnBedrockReceivesACachePointAfterEachMarkedBlockOfSystemAndMessages_noneAmongTools_andNoneUnmarked(
            String model, boolean stream) throws Exception {
        for (String[] asked : List.of(new String[] {MARKED, NOVA_CONVERSE_BODY},
                new String[] {UNMARKED, UNCACHED_CONVERSE_BODY})) {
            HttpResponse<String> response = gateway.post("/v1/chat/completions",
                    chat("bedrock/" + model, "\"stream\":" + stream + ",", asked[0]));

            assertEquals(200, response.statusCode(), response.body());
            FakeBedrock.Received sent = bedrock.lastReceived();
            assertEquals(model, sent.modelId());
            assertTrue(sent.path().endsWith(stream ? "/converse-stream" : "/converse"), sent.path());
            assertEquals(json(asked[1]), sent.body());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {BEDROCK_TITAN, BEDROCK_AMAZON_ARN, BEDROCK_LLAMA})
    void otherBedrockModelsReceiveNoCachePoints(String model) throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("bedrock/" + model, "", MARKED));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(json(UNCACHED_CONVERSE_BODY), bedrock.lastReceived().body());
    }

    @Test
    void openAiReceivesTheRequestAsSentButForTheCacheControlMarkers() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("gpt-4o-mini", "", MARKED));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode expected = json(chat("gpt-4o-mini", "", UNMARKED));
        assertFalse(expected.toString().contains("cache_control"));
        assertEquals(expected, JSON.readTree(openAi.received().get(0).body()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not an object   | \"ephemeral\"                                | messages[0].cache_control",
            "unknown type    | {\"type\":\"persistent\"}                    | messages[0].cache_control.type",
            "no type         | {\"ttl\":\"5m\"}                             | messages[0].cache_control.type",
            "bad ttl         | {\"type\":\"ephemeral\",\"ttl\":\"10m\"}     | messages[0].cache_control.ttl",
            "ttl in seconds  | {\"type\":\"ephemeral\",\"ttl\":300}         | messages[0].cache_control.ttl",
            "unknown field   | {\"type\":\"ephemeral\",\"scope\":\"org\"}   | messages[0].cache_control.scope"})
    void aBadBreakpointIs400InOpenAisShapeAndReachesNoProvider(String what, String marker, String param)
            throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(CLAUDE, "",
                "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\",\"cache_control\":" + marker + "}]"));

        assertRejected(response, param);
    }

    @Test
    void aFifthBreakpointIs400AndReachesNoProvider() throws Exception {
        StringBuilder messages = new StringBuilder("\"messages\":[");
        for (int i = 0; i < 5; i++) {
            messages.append(i == 0 ? "" : ",").append("{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant")
                    .append("\",\"content\":\"turn ").append(i).append("\",\"cache_control\":").append(EPHEMERAL)
                    .append('}');
        }
        for (String model : List.of(CLAUDE, "bedrock/" + BEDROCK_CLAUDE, "gpt-4o-mini")) {
            HttpResponse<String> response = gateway.post("/v1/chat/completions",
                    chat(model, "", messages + "]"));

            assertRejected(response, "messages[4].cache_control");
            assertTrue(JSON.readTree(response.body()).path("error").path("message").asText().contains("at most 4"),
                    response.body());
        }
    }

    /**
     * MARKED with a second marker, of the same ttl, on the block the tool message's and the last message's own mark:
     * six markers, the four breakpoints of MARKED.
     */
    private static final String DOUBLED = doubled("5m");

    /** DOUBLED with {@code ttl} on the last message's part. */
    private static String doubled(String ttl) {
        return MARKED.replace("\"content\":\"18 C and sunny\"", "\"content\":[{\"type\":\"text\",\"text\":"
                        + "\"18 C and sunny\",\"cache_control\":" + EPHEMERAL + "}]")
                .replace("\"content\":\"And tomorrow?\"", "\"content\":[{\"type\":\"text\",\"text\":\"And tomorrow?\","
                        + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"" + ttl + "\"}}]");
    }

    @Test
    void aMarkerOnAMessageAndOneOnItsLastPartAreOneBreakpointSentOnce() throws Exception {
        HttpResponse<String> toAnthropic = gateway.post("/v1/chat/completions", chat(CLAUDE, "", DOUBLED));
        HttpResponse<String> toBedrock = gateway.post("/v1/chat/completions",
                chat("bedrock/" + BEDROCK_CLAUDE, "", DOUBLED));

        assertEquals(200, toAnthropic.statusCode(), toAnthropic.body());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals(json(ANTHROPIC_BODY + "}"), sent);
        assertEquals(4, sent.toString().split("\"cache_control\"", -1).length - 1, sent.toString());
        assertEquals(200, toBedrock.statusCode(), toBedrock.body());
        assertEquals(json(CONVERSE_BODY), bedrock.lastReceived().body());
    }

    static Stream<Arguments> breakpointsAProviderRefuses() {
        return Stream.of(
                Arguments.of("an hour's breakpoint after 5 minutes'",
                        MARKED.replace("\"ttl\":\"5m\"", "\"ttl\":\"1h\""), "messages[5].cache_control",
                        "must come before"),
                Arguments.of("two ttls on one block", doubled("1h"),
                        "messages[5].cache_control", "same block"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breakpointsAProviderRefuses")
    void aBreakpointAProviderWouldRefuseIs400BeforeAnyCallWhateverTheTarget(String what, String marked, String param,
                                                                            String reason) throws Exception {
        for (String model : List.of(CLAUDE, "bedrock/" + BEDROCK_CLAUDE, "gpt-4o-mini")) {
            HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(model, "", marked));

            assertRejected(response, param);
            assertTrue(JSON.readTree(response.body()).path("error").path("message").asText().contains(reason),
                    response.body());
        }
    }

    private static void assertRejected(HttpResponse<String> response, String param) throws Exception {
        assertEquals(400, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("invalid_request_error", error.path("type").asText(), response.body());
        assertEquals(param, error.path("param").asText(), response.body());
        assertTrue(error.path("message").asText().contains("cache_control"), response.body());
        assertTrue(anthropic.received().isEmpty() && bedrock.received().isEmpty() && openAi.received().isEmpty(),
                "no provider was called");
    }

    /** 20 uncached, 6000 read, 1000 written for 5 minutes and 2000 for an hour, 50 out. */
    private static final String CACHE_USAGE = "{\"input_tokens\":20,\"cache_creation_input_tokens\":3000,"
            + "\"cache_read_input_tokens\":6000,\"cache_creation\":{\"ephemeral_5m_input_tokens\":1000,"
            + "\"ephemeral_1h_input_tokens\":2000},\"output_tokens\":50}";
    /** 20 x 0.80 + 6000 x 0.08 + 1000 x 1.00 + 2000 x 1.60 + 50 x 4.00 = 4896 micro-dollars. */
    private static final String CACHE_COST = "0.004896";

    @Test
    void cacheReadsAndWritesAreReportedInOpenAisUsageAndPricedEachAtItsRate_single() throws Exception {
        anthropic.always(FakeAnthropic.json(200, "{\"id\":\"msg_01Cached\",\"type\":\"message\",\"role\":"
                + "\"assistant\",\"model\":\"" + CLAUDE + "\",\"content\":[{\"type\":\"text\",\"text\":\"Oui.\"}],"
                + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":" + CACHE_USAGE + "}"));

        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(CLAUDE, "", MARKED));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(json("{\"prompt_tokens\":9020,\"completion_tokens\":50,\"total_tokens\":9070,"
                        + "\"prompt_tokens_details\":{\"cached_tokens\":6000},"
                        + "\"completion_tokens_details\":{\"reasoning_tokens\":0}}"),
                JSON.readTree(response.body()).path("usage"));
        assertEquals(CACHE_COST, response.headers().firstValue("x-caravan-cost").orElseThrow());
    }

    @Test
    void cacheReadsAndWritesAreReportedInOpenAisUsageAndPricedEachAtItsRate_streamed() throws Exception {
        anthropic.always(FakeAnthropic.sse(0, List.of(
                new String[] {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01Cached\","
                        + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + CLAUDE + "\",\"content\":[],"
                        + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"
                        + CACHE_USAGE.replace("\"output_tokens\":50", "\"output_tokens\":1") + "}}"},
                new String[] {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
                new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Oui.\"}}"},
                new String[] {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"},
                new String[] {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":50}}"},
                new String[] {"message_stop", "{\"type\":\"message_stop\"}"})));

        StreamCapture openAiShape = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(CLAUDE, "\"stream\":true,\"stream_options\":{\"include_usage\":true},", MARKED));
        StreamCapture simpleShape = StreamCapture.post(gateway, "/ai/chat", "{\"model\":\"" + CLAUDE + "\","
                + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        assertEquals(200, openAiShape.status());
        JsonNode usage = openAiShape.chunks().stream().filter(chunk -> chunk.has("usage") && !chunk.get("usage")
                .isNull()).reduce((first, second) -> second).orElseThrow().get("usage");
        assertEquals(9020, usage.path("prompt_tokens").asInt(), usage.toString());
        assertEquals(6000, usage.path("prompt_tokens_details").path("cached_tokens").asInt(), usage.toString());
        assertEquals(9070, usage.path("total_tokens").asInt(), usage.toString());
        JsonNode complete = JSON.readTree(simpleShape.data().get(simpleShape.data().size() - 1));
        assertEquals("complete", complete.path("type").asText(), complete.toString());
        assertEquals(CACHE_COST, complete.path("cost").decimalValue().toPlainString());
    }
}
