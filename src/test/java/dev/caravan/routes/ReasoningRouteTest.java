package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeAnthropic.Thought;
import dev.caravan.support.FakeAnthropic.ToolUse;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import dev.caravan.support.OpenAiWithClaudeFallback;
import dev.caravan.support.StreamCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenAI's reasoning_effort in front of Claude, end to end: the real gateway before a fake Messages API that refuses
 * what the real one refuses with thinking on (a budget under max_tokens, no temperature but 1, no forced tool choice,
 * the thinking block first on the assistant turn whose tool use is answered), and a fake OpenAI before it.
 */
class ReasoningRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-ant-test-key-reasoning";
    /** Priced at 3.00 / 15.00 USD per million tokens; no fallback chain. */
    private static final String SONNET = "claude-3-7-sonnet-20250219";
    /** Takes only adaptive thinking; priced at 5.00 / 25.00 USD per million tokens, maxOutputTokens 128,000. */
    private static final String OPUS_47 = "claude-opus-4-7";
    /** Takes adaptive thinking and the deprecated budget; max effort but not xhigh. */
    private static final String OPUS_46 = "claude-opus-4-6";
    private static final String SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";
    private static final String REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIw";
    private static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}";
    private static final String QUESTION = "[{\"role\":\"user\",\"content\":\"27 * 453?\"}]";

    @TempDir
    static Path dir;
    static OpenAiWithClaudeFallback upstreams;
    static FakeAnthropic anthropic;
    static FakeOpenAi openAi;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstreams = OpenAiWithClaudeFallback.start(dir, KEY, OpenAiWithClaudeFallback.fallbacks(SONNET + ", mock-echo"));
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
        anthropic.always(anthropic.reply(FakeAnthropic.text("12231", 36, 143)
                .thinking(Thought.of(SIGNATURE, "27 * 400 = 10800, ", "27 * 53 = 1431."), Thought.redacted(REDACTED))));
    }

    private static String chat(String model, String extra, String messages) {
        return "{\"model\":\"" + model + "\"," + extra + "\"messages\":" + messages + "}";
    }

    @Test
    void claudeThinksWithinTheEffortsBudgetAndAnswersItsReasoningAsLiteLlmDoes() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(SONNET, "\"reasoning_effort\":\"low\",\"max_tokens\":500,", QUESTION));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":1024}"), sent.get("thinking"));
        assertEquals(1024 + 500, sent.path("max_tokens").asInt(), "the caller's max_tokens on top of the budget");
        JsonNode message = JSON.readTree(response.body()).at("/choices/0/message");
        assertEquals("12231", message.path("content").asText());
        assertEquals("27 * 400 = 10800, 27 * 53 = 1431.", message.path("reasoning_content").asText());
        assertEquals(JSON.readTree("[{\"type\":\"thinking\",\"thinking\":\"27 * 400 = 10800, 27 * 53 = 1431.\","
                + "\"signature\":\"" + SIGNATURE + "\"},{\"type\":\"redacted_thinking\",\"data\":\"" + REDACTED
                + "\"}]"), message.get("thinking_blocks"));
        // thinking is billed in Anthropic's output_tokens: 36 in at 3.00, 143 out at 15.00 per million
        assertEquals(143, JSON.readTree(response.body()).at("/usage/completion_tokens").asInt());
        assertEquals(new BigDecimal("0.002253"),
                new BigDecimal(response.headers().firstValue("x-caravan-cost").orElseThrow()));
    }

    @Test
    void aStreamCarriesTheThinkingAsReasoningContentAndTheSignatureToSendBack() throws Exception {
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(SONNET,
                "\"reasoning_effort\":\"medium\",\"stream\":true,\"stream_options\":{\"include_usage\":true},",
                QUESTION));

        assertEquals(200, stream.status());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals(2048, sent.at("/thinking/budget_tokens").asInt());
        assertEquals(64_000, sent.path("max_tokens").asInt(), "the model's most output, which holds the budget");
        StringBuilder reasoning = new StringBuilder();
        ArrayNode pieces = JSON.createArrayNode();
        for (JsonNode chunk : stream.chunks()) {
            JsonNode delta = chunk.at("/choices/0/delta");
            reasoning.append(delta.path("reasoning_content").asText(""));
            delta.path("thinking_blocks").forEach(pieces::add);
        }
        assertEquals("27 * 400 = 10800, 27 * 53 = 1431.", reasoning.toString());
        assertEquals(JSON.readTree("[{\"type\":\"thinking\",\"thinking\":\"27 * 400 = 10800, \"},"
                + "{\"type\":\"thinking\",\"thinking\":\"27 * 53 = 1431.\"},"
                + "{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"" + SIGNATURE + "\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"" + REDACTED + "\"}]"), pieces);
        assertEquals("12231", stream.openAiText());
        JsonNode usage = stream.chunks().get(stream.chunks().size() - 1).path("usage");
        assertEquals(143, usage.path("completion_tokens").asInt());
    }

    @Test
    void claude47ThinksAdaptivelyAtTheEffortAskedWithTheBudgetsMaxTokensAndAnswersItsReasoning() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(OPUS_47, "\"reasoning_effort\":\"medium\",\"max_tokens\":500,", QUESTION));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = anthropic.received().get(0).json();
        // Opus 4.7 leaves its thinking text out unless asked to show it summarized
        assertEquals(JSON.readTree("{\"type\":\"adaptive\",\"display\":\"summarized\"}"), sent.get("thinking"));
        assertEquals(JSON.readTree("{\"effort\":\"medium\"}"), sent.get("output_config"));
        assertEquals(2048 + 500, sent.path("max_tokens").asInt(), "medium's nominal budget, as for older Claude");
        assertEquals("27 * 400 = 10800, 27 * 53 = 1431.",
                JSON.readTree(response.body()).at("/choices/0/message/reasoning_content").asText());
        // 36 in at 5.00 and 143 out (the thinking with them) at 25.00 per million
        assertEquals(new BigDecimal("0.003755"),
                new BigDecimal(response.headers().firstValue("x-caravan-cost").orElseThrow()));
    }

    @Test
    void aStreamFromClaude47ThinksAdaptivelyAndCarriesTheThinking() throws Exception {
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(OPUS_47,
                "\"reasoning_effort\":\"xhigh\",\"stream\":true,\"stream_options\":{\"include_usage\":true},",
                QUESTION));

        assertEquals(200, stream.status());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals("27 * 400 = 10800, 27 * 53 = 1431.", stream.chunks().stream()
                .map(chunk -> chunk.at("/choices/0/delta/reasoning_content").asText(""))
                .collect(Collectors.joining()), "Opus 4.7 omits its thinking text unless asked to show it");
        assertEquals("adaptive", sent.at("/thinking/type").asText());
        assertEquals("summarized", sent.at("/thinking/display").asText());
        assertEquals("xhigh", sent.at("/output_config/effort").asText(), "Opus 4.7 has Anthropic's xhigh");
        assertEquals(128_000, sent.path("max_tokens").asInt(), "the model's most, which holds xhigh's nominal budget");
        assertEquals("12231", stream.openAiText());
    }

    @Test
    void claude46IsAskedForMaxWhereOpenAiAsksXhighAndTakesAForcedToolWithAdaptiveThinking() throws Exception {
        anthropic.always(anthropic.reply(FakeAnthropic.toolUse(new ToolUse("toolu_01Weather", "get_weather",
                List.of("{\"city\": \"Paris\"}")), 50, 90).thinking(Thought.of(SIGNATURE, "I need the weather."))));

        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(OPUS_46, "\"reasoning_effort\":"
                + "\"xhigh\",\"tools\":[" + WEATHER_TOOL + "],\"tool_choice\":\"required\",", QUESTION));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals("max", sent.at("/output_config/effort").asText());
        assertEquals(JSON.readTree("{\"type\":\"adaptive\"}"), sent.get("thinking"), "4.6 shows it by default");
        assertEquals("any", sent.at("/tool_choice/type").asText());
        assertEquals("get_weather",
                JSON.readTree(response.body()).at("/choices/0/message/tool_calls/0/function/name").asText());
    }

    @Test
    void aToolUseTurnSendsTheThinkingBlocksBackFirstSoClaudeGoesOnThinking() throws Exception {
        anthropic.always(anthropic.reply(FakeAnthropic.toolUse(new ToolUse("toolu_01Weather", "get_weather",
                List.of("{\"city\": \"Paris\"}")), 50, 90).thinking(Thought.of(SIGNATURE, "I need the weather."))));
        String ask = "{\"role\":\"user\",\"content\":\"Weather in Paris?\"}";
        String extra = "\"reasoning_effort\":\"low\",\"tools\":[" + WEATHER_TOOL + "],";
        HttpResponse<String> first = gateway.post("/v1/chat/completions", chat(SONNET, extra, "[" + ask + "]"));
        assertEquals(200, first.statusCode(), first.body());
        // the caller sends the assistant message back as it got it (an SDK keeps the extra fields), then the result
        ObjectNode assistant = (ObjectNode) JSON.readTree(first.body()).at("/choices/0/message");
        String result = "{\"role\":\"tool\",\"tool_call_id\":\"toolu_01Weather\",\"content\":\"18 degrees\"}";
        anthropic.always(anthropic.reply(FakeAnthropic.text("It is 18 degrees in Paris.", 80, 12)));

        HttpResponse<String> second = gateway.post("/v1/chat/completions",
                chat(SONNET, extra, "[" + ask + "," + assistant + "," + result + "]"));

        assertEquals(200, second.statusCode(), second.body());
        JsonNode turn = anthropic.received().get(1).json().at("/messages/1");
        assertEquals(JSON.readTree("{\"type\":\"thinking\",\"thinking\":\"I need the weather.\",\"signature\":\""
                + SIGNATURE + "\"}"), turn.at("/content/0"));
        assertEquals("tool_use", turn.at("/content/1/type").asText());
        assertEquals(200, anthropic.received().get(1).status(), "the fake Messages API accepted the turn");
    }

    @ParameterizedTest(name = "{0} is refused with thinking on, before any upstream call")
    @CsvSource(delimiter = '|', value = {
            "temperature | \"temperature\":0.2,",
            "top_p       | \"top_p\":0.5,",
            "tool_choice | \"tools\":[" + WEATHER_TOOL + "],\"tool_choice\":\"required\",",
            "tool_choice | \"tools\":[" + WEATHER_TOOL + "],\"tool_choice\":{\"type\":\"function\",\"function\":"
                    + "{\"name\":\"get_weather\"}},",
            "response_format | \"response_format\":{\"type\":\"json_object\"},"})
    void aConflictWithThinkingIsA400NamingItThatReachesNoUpstream(String field, String extra) throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(SONNET, "\"reasoning_effort\":\"high\"," + extra, QUESTION));

        assertEquals(400, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals(field, error.path("param").asText());
        assertEquals("invalid_request_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("reasoning_effort"), error.toString());
        assertEquals(List.of(), anthropic.received());
    }

    @Test
    void aTemperatureUnderOneIsStillA400WithAdaptiveThinkingOnAModelThatTakesOne() throws Exception {
        // Opus 4.7 and later take no temperature at all, so they are sent none (SamplingRouteTest)
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(OPUS_46, "\"reasoning_effort\":\"low\",\"temperature\":0.2,", QUESTION));

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("temperature", JSON.readTree(response.body()).at("/error/param").asText());
        assertEquals(List.of(), anthropic.received());
    }

    @Test
    void aTemperatureAboveOneIsSentToThinkingClaudeAsOneTheOnlyOneItTakes() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(SONNET, "\"reasoning_effort\":\"low\",\"temperature\":1.5,", QUESTION));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals(1.0, sent.path("temperature").asDouble(1.0), sent.toString());
        assertEquals(1024, sent.at("/thinking/budget_tokens").asInt());
    }

    @Test
    void anAzureOpenAiDeploymentGetsReasoningEffortAsSentLikeOpenAi() throws Exception {
        try (FakeOpenAi azure = new FakeOpenAi()) {
            azure.always(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("12231", 12, 40)));
            Path catalog = Files.writeString(dir.resolve("azure-catalog.yaml"),
                    Files.readString(Path.of("config/catalog.yaml"))
                            .replace("\nmodels:\n", "\nmodels:\n  azure-openai/my-o4: {input: 1.10, output: 4.40}\n")
                            + "\ndeployments:\n  azure-o4:\n    - {target: azure-openai/my-o4, account: azure-east}\n");
            try (Gateway withAzure = Gateway.start(Map.of("caravan.catalog.file", catalog.toString(),
                    "caravan.accounts", "azure-east", "caravan.accounts.azure-east.provider", "azure-openai",
                    "caravan.accounts.azure-east.base-url", azure.baseUrl().replace("/v1", ""),
                    "caravan.accounts.azure-east.api-key", "azure-key-test"))) {
                HttpResponse<String> response = withAzure.post("/v1/chat/completions",
                        chat("azure-o4", "\"reasoning_effort\":\"high\",", QUESTION));

                assertEquals(200, response.statusCode(), response.body());
                assertEquals("high", JSON.readTree(azure.received().get(0).body()).path("reasoning_effort").asText());
            }
        }
    }

    @Test
    void theMockModelCannotReasonSoReasoningEffortIsA400ThereButNoneIsNot() throws Exception {
        HttpResponse<String> refused = gateway.post("/v1/chat/completions",
                chat("mock-echo", "\"reasoning_effort\":\"low\",", QUESTION));
        HttpResponse<String> none = gateway.post("/v1/chat/completions",
                chat("mock-echo", "\"reasoning_effort\":\"none\",", QUESTION));

        assertEquals(400, refused.statusCode(), refused.body());
        assertEquals("reasoning_effort", JSON.readTree(refused.body()).at("/error/param").asText());
        assertEquals(200, none.statusCode(), none.body());
    }

    @Test
    void claudeBeforeThreeSevenSonnetCannotThinkSoReasoningEffortIsA400ThatReachesNoUpstream() throws Exception {
        HttpResponse<String> refused = gateway.post("/v1/chat/completions",
                chat("claude-3-5-haiku-20241022", "\"reasoning_effort\":\"medium\",", QUESTION));
        HttpResponse<String> none = gateway.post("/v1/chat/completions",
                chat("claude-3-5-haiku-20241022", "\"reasoning_effort\":\"none\",", QUESTION));

        assertEquals(400, refused.statusCode(), refused.body());
        JsonNode error = JSON.readTree(refused.body()).path("error");
        assertEquals("reasoning_effort", error.path("param").asText());
        assertTrue(error.path("message").asText().contains("cannot reason"), error.toString());
        assertEquals(200, none.statusCode(), none.body());
        assertEquals(1, anthropic.received().size(), "only the request without reasoning reached Anthropic");
        assertTrue(anthropic.received().get(0).json().path("thinking").isMissingNode());
    }

    @Test
    void openAiGetsReasoningEffortAsSentAndItsClaudeFallbackThinks() throws Exception {
        openAi.always(FakeOpenAi.json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));

        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("gpt-4o-mini", "\"reasoning_effort\":\"high\",\"max_completion_tokens\":300,", QUESTION));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode toOpenAi = JSON.readTree(openAi.received().get(0).body());
        assertEquals("high", toOpenAi.path("reasoning_effort").asText());
        assertEquals(300, toOpenAi.path("max_completion_tokens").asInt());
        JsonNode toClaude = anthropic.received().get(0).json();
        assertEquals(4096, toClaude.at("/thinking/budget_tokens").asInt());
        assertEquals(4096 + 300, toClaude.path("max_tokens").asInt());
        assertEquals("anthropic", response.headers().firstValue("x-caravan-provider").orElseThrow());
    }

    @Test
    void aFallbackThatCannotThinkAsAskedIsLeftOutOfTheChain() throws Exception {
        openAi.always(FakeOpenAi.json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));

        // OpenAI takes the temperature; Claude with thinking would not, and mock-echo cannot reason: both left out
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("gpt-4o-mini", "\"reasoning_effort\":\"high\",\"temperature\":0.2,", QUESTION));

        assertEquals(502, response.statusCode(), response.body());
        assertEquals("upstream_503", JSON.readTree(response.body()).at("/error/code").asText(), "OpenAI's failure");
        assertEquals(1, openAi.received().size());
        assertEquals(List.of(), anthropic.received());
    }

    @Test
    void theSimpleShapeCarriesNoReasoningAndRefusesTheField() throws Exception {
        HttpResponse<String> response = gateway.post("/ai/chat",
                chat(SONNET, "\"reasoning_effort\":\"low\",", QUESTION));

        assertEquals(400, response.statusCode(), response.body());
        assertEquals(List.of(), anthropic.received());
    }
}
