package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.ledger.CostRecord;
import dev.caravan.ledger.Ledger;
import dev.caravan.ledger.PromptEstimate;
import dev.caravan.providers.bedrock.AwsTestCredentials;
import dev.caravan.providers.bedrock.FakeBedrock;
import dev.caravan.providers.bedrock.FakeBedrock.Frame;
import dev.caravan.routing.Breakers;
import dev.caravan.routing.ModelRouter;
import dev.caravan.routing.Target;
import dev.caravan.support.Gateway;
import dev.caravan.support.ScriptedAnswer;
import dev.caravan.support.ScriptedAnswer.Call;
import dev.caravan.support.StreamCapture;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Bedrock route end to end: real gateway, the AWS SDK with credentials from its default chain (system
 * properties here), the fake Bedrock Runtime on 127.0.0.1 that refuses unsigned requests.
 */
class BedrockRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Priced at 0.80 / 4.00 USD per million tokens in the catalog. */
    private static final String MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final String MODEL = "bedrock/" + MODEL_ID;
    private static final String ACCESS_KEY = "AKIDCARAVANTEST1234";
    private static final Pattern SIGNED = Pattern.compile("^AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY
            + "/\\d{8}/us-east-1/bedrock/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$");
    private static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Current weather for a city\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}";
    private static final long IDLE_TIMEOUT_MS = 20_000;
    /** A Claude on Bedrock in the middle of mock-unavailable's chain, before mock-echo. */
    private static final String IMAGE_LINKS_MODEL = "anthropic.claude-3-opus-20240229-v1:0";
    private static final String IMAGE_LINK = "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]";
    /** Claude behind an application inference profile, whose ARN names no model; declared in the catalog as Claude. */
    private static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";
    private static final String ARN_PRICE = "{input: 0.80, output: 4.00, family: anthropic}";

    @TempDir
    static Path dir;
    static Path catalog;
    static FakeBedrock bedrock;
    static Gateway gateway;
    static AwsTestCredentials aws;

    @BeforeAll
    static void start() throws Exception {
        aws = AwsTestCredentials.set(ACCESS_KEY);
        bedrock = new FakeBedrock();
        bedrock.claudeBehind(ARN);
        catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, Files.readString(Path.of("config/catalog.yaml"))
                .replace("fallbacks:\n", "fallbacks:\n  bedrock/stream-throttled: [mock-echo]\n"
                        + "  bedrock/error-unavailable: [mock-echo]\n"
                        + "  bedrock/error-model-error: [mock-echo]\n"
                        + "  mock-unavailable: [bedrock/" + IMAGE_LINKS_MODEL + ", mock-echo]\n")
                .replace("aliases:\n", "aliases:\n  claude-billed: bedrock/" + ARN + "\n")
                .replace("models:\n", "models:\n  bedrock/" + ARN + ": " + ARN_PRICE + "\n"));
        gateway = Gateway.start(Map.of("caravan.bedrock.enabled", "true", "caravan.bedrock.region", "us-east-1",
                "caravan.bedrock.endpoint", bedrock.endpoint().toString(), "caravan.bedrock.http1", "true",
                "caravan.catalog.file", catalog.toString(),
                // The fake's error models have no price, which a budget would refuse (403 model_not_priced).
                "caravan.ledger.budgets-file", Files.writeString(dir.resolve("budgets.yaml"), "").toString(),
                // Several tests fail on purpose: the breaker must not open here (CircuitBreakerTest tests it).
                "caravan.bedrock.breaker.minimum-calls", "100000", "caravan.bedrock.breaker.window", "100000",
                // One attempt per target here; retries on the same target are tested in dev.caravan.resilience.
                "caravan.bedrock.retry.max-retries", "0",
                "caravan.bedrock.idle-timeout-ms", String.valueOf(IDLE_TIMEOUT_MS)));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        bedrock.close();
        aws.close();
    }

    @BeforeEach
    void reset() {
        bedrock.received().clear();
        bedrock.frameDelayMillis(0);
        script(ScriptedAnswer.text(List.of("Hello from", " the fake."), "stop", 12, 5));
    }

    private static void script(ScriptedAnswer answer) {
        bedrock.converse(MODEL_ID, answer.bedrockConverseJson());
        bedrock.stream(MODEL_ID, answer.bedrockFrames());
    }

    private static String chat(String model, String extra, String messages) {
        return "{\"model\":\"" + model + "\"," + extra + "\"messages\":" + messages + "}";
    }

    private static String hi(String model) {
        return chat(model, "", "[{\"role\":\"user\",\"content\":\"Hi\"}]");
    }

    private static void assertSigned(FakeBedrock.Received received) {
        assertTrue(SIGNED.matcher(received.authorization()).matches(), received.authorization());
    }

    @Test
    void answersInOpenAisShapeFromASignedConverseCall() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", hi(MODEL));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("chat.completion", body.path("object").asText());
        JsonNode choice = body.path("choices").path(0);
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertEquals("Hello from the fake.", choice.path("message").path("content").asText());
        assertFalse(choice.path("message").has("tool_calls"));
        assertEquals("stop", choice.path("finish_reason").asText());
        assertEquals(17, body.path("usage").path("total_tokens").asInt());
        assertEquals("bedrock", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals(MODEL_ID, response.headers().firstValue("x-caravan-model").orElseThrow());
        assertEquals("0.0000296", response.headers().firstValue("x-caravan-cost").orElseThrow());

        FakeBedrock.Received sent = bedrock.lastReceived();
        assertEquals(MODEL_ID, sent.modelId());
        assertTrue(sent.path().endsWith("/converse"), sent.path());
        assertSigned(sent);
        assertEquals("Hi", sent.body().path("messages").path(0).path("content").path(0).path("text").asText());
        assertFalse(response.body().contains(ACCESS_KEY));
    }

    @Test
    void answersInTheSimpleShapeWithCost() throws Exception {
        HttpResponse<String> response = gateway.post("/ai/chat", hi(MODEL));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("bedrock", body.path("provider").asText());
        assertEquals(MODEL_ID, body.path("model").asText());
        assertEquals("Hello from the fake.", body.path("content").asText());
        assertEquals(12, body.path("usage").path("promptTokens").asInt());
        assertEquals(5, body.path("usage").path("completionTokens").asInt());
        assertEquals("0.0000296", body.path("cost").decimalValue().toPlainString());
    }

    @Test
    void aCatalogAliasReachesItsBedrockModelId() throws Exception {
        bedrock.converse("anthropic.claude-3-haiku-20240307-v1:0",
                ScriptedAnswer.text(List.of("Haiku here."), "stop", 3, 2).bedrockConverseJson());
        HttpResponse<String> response = gateway.post("/v1/chat/completions", hi("claude-3-haiku"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("anthropic.claude-3-haiku-20240307-v1:0", bedrock.lastReceived().modelId());
        assertEquals("Haiku here.",
                JSON.readTree(response.body()).path("choices").path(0).path("message").path("content").asText());
    }

    @Test
    void sendsSystemPromptsApartAndTheTurnsAlternating() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(MODEL,
                "\"max_tokens\":100,\"temperature\":0.5,\"top_p\":0.9,\"stop\":[\"END\"],", "["
                        + "{\"role\":\"system\",\"content\":\"You are terse.\"},"
                        + "{\"role\":\"user\",\"content\":\"What is 2+2?\"},"
                        + "{\"role\":\"assistant\",\"content\":\"4\"},"
                        + "{\"role\":\"developer\",\"content\":\"Answer in French.\"},"
                        + "{\"role\":\"user\",\"content\":\"And 3+3?\"},"
                        + "{\"role\":\"user\",\"content\":\"Words, please.\"}]"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = bedrock.lastReceived().body();
        assertEquals("You are terse.", sent.path("system").path(0).path("text").asText());
        assertEquals("Answer in French.", sent.path("system").path(1).path("text").asText());
        JsonNode messages = sent.path("messages");
        assertEquals(3, messages.size());
        assertEquals("assistant", messages.get(1).path("role").asText());
        assertEquals(2, messages.get(2).path("content").size(), "the two last user turns are merged");
        JsonNode inference = sent.path("inferenceConfig");
        assertEquals(100, inference.path("maxTokens").asInt());
        assertEquals(0.5, inference.path("temperature").asDouble(), 1e-6);
        assertTrue(inference.path("topP").isMissingNode(), "Claude takes the temperature alone");
        assertEquals("END", inference.path("stopSequences").path(0).asText());
    }

    @Test
    void aToolCallGoesRoundTrip() throws Exception {
        script(ScriptedAnswer.toolCall(new Call("get_weather", List.of("{\"city\":", " \"Paris\"}")), 80, 20));
        HttpResponse<String> first = gateway.post("/v1/chat/completions", chat(MODEL,
                "\"tools\":[" + WEATHER_TOOL + "],\"tool_choice\":\"required\",",
                "[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]"));

        assertEquals(200, first.statusCode(), first.body());
        JsonNode toolConfig = bedrock.lastReceived().body().path("toolConfig");
        JsonNode spec = toolConfig.path("tools").path(0).path("toolSpec");
        assertEquals("get_weather", spec.path("name").asText());
        assertEquals("string", spec.path("inputSchema").path("json").path("properties").path("city").path("type")
                .asText());
        assertTrue(toolConfig.path("toolChoice").has("any"), toolConfig.toString());
        JsonNode choice = JSON.readTree(first.body()).path("choices").path(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText());
        JsonNode call = choice.path("message").path("tool_calls").path(0);
        assertEquals("tooluse_Scripted0", call.path("id").asText());
        assertEquals("function", call.path("type").asText());
        assertEquals("get_weather", call.path("function").path("name").asText());
        assertEquals(JSON.readTree("{\"city\":\"Paris\"}"),
                JSON.readTree(call.path("function").path("arguments").asText()));

        script(ScriptedAnswer.text(List.of("It is 18 degrees in Paris."), "stop", 120, 9));
        HttpResponse<String> second = gateway.post("/v1/chat/completions", chat(MODEL,
                "\"tools\":[" + WEATHER_TOOL + "],", "["
                        + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call + "]},"
                        + "{\"role\":\"tool\",\"tool_call_id\":\"tooluse_Scripted0\",\"content\":\"18C, sunny\"}]"));

        assertEquals(200, second.statusCode(), second.body());
        JsonNode messages = bedrock.lastReceived().body().path("messages");
        assertEquals(3, messages.size());
        JsonNode use = messages.get(1).path("content").path(0).path("toolUse");
        assertEquals("tooluse_Scripted0", use.path("toolUseId").asText());
        assertEquals("get_weather", use.path("name").asText());
        assertEquals("Paris", use.path("input").path("city").asText());
        JsonNode result = messages.get(2).path("content").path(0).path("toolResult");
        assertEquals("user", messages.get(2).path("role").asText());
        assertEquals("tooluse_Scripted0", result.path("toolUseId").asText());
        assertEquals("18C, sunny", result.path("content").path(0).path("text").asText());
        assertEquals("It is 18 degrees in Paris.",
                JSON.readTree(second.body()).path("choices").path(0).path("message").path("content").asText());
    }

    private static final String TOOL_LOOP = ToolLoop.followUp("tooluse_1");

    @Test
    void aToolLoopFollowUpWithToolChoiceNoneSendsTheEarlierToolTurnsAsText() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(MODEL,
                "\"tools\":[" + WEATHER_TOOL + "],\"tool_choice\":\"none\",", TOOL_LOOP));

        assertEquals(200, response.statusCode(), response.body());
        assertToolTurnsSentAsText(bedrock.lastReceived().body());
    }

    @Test
    void aToolLoopFollowUpWithoutToolsSendsTheEarlierToolTurnsAsTextAlsoWhenStreamed() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(MODEL, "", TOOL_LOOP));
        assertEquals(200, response.statusCode(), response.body());
        assertToolTurnsSentAsText(bedrock.lastReceived().body());

        HttpResponse<String> streamed = gateway.post("/v1/chat/completions",
                chat(MODEL, "\"stream\":true,", TOOL_LOOP));
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertTrue(streamed.body().contains("Hello from"), streamed.body());
        assertToolTurnsSentAsText(bedrock.lastReceived().body());
    }

    /** No toolConfig (Converse has no "none" choice) and no tool blocks, which Converse refuses without one. */
    private static void assertToolTurnsSentAsText(JsonNode sent) {
        assertFalse(sent.has("toolConfig"), sent.toString());
        assertFalse(sent.toString().contains("toolUse"), sent.toString());
        assertFalse(sent.toString().contains("toolResult"), sent.toString());
        JsonNode messages = sent.path("messages");
        assertEquals(3, messages.size(), messages.toString());
        assertEquals("[called tool get_weather (id tooluse_1) with {\"city\":\"Paris\"}]",
                messages.get(1).path("content").path(0).path("text").asText());
        assertEquals("user", messages.get(2).path("role").asText());
        assertEquals("[result of tool get_weather (id tooluse_1): 18C, sunny]",
                messages.get(2).path("content").path(0).path("text").asText());
        assertEquals("Now sum it up in words.", messages.get(2).path("content").path(1).path("text").asText());
    }

    @Test
    void streamsEachEventToTheClientAsItArrives() throws Exception {
        List<String> words = List.of("one", " two", " three", " four", " five", " six", " seven", " eight",
                " nine", " ten");
        script(ScriptedAnswer.text(words, "stop", 9, 10));
        // 14 frames 250 ms apart: the last leaves after about 3.25 s.
        bedrock.frameDelayMillis(250);
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat(MODEL, "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"Count\"}]"));

        assertEquals(200, stream.status());
        assertTrue(stream.header("content-type").startsWith("text/event-stream"));
        assertEquals("bedrock", stream.header("x-caravan-provider"));
        assertTrue(stream.totalMillis() >= 3_000, "the stream lasted " + stream.totalMillis() + " ms");
        assertTrue(stream.firstContentMillis() >= 0 && stream.firstContentMillis() < 1_500,
                "first content reached the client after " + stream.firstContentMillis() + " ms");
        assertEquals(String.join("", words), stream.openAiText());
        List<JsonNode> chunks = stream.chunks();
        assertEquals(words.size() + 1, chunks.size());
        assertEquals("assistant", chunks.get(0).path("choices").path(0).path("delta").path("role").asText());
        assertEquals("stop", chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText());
        assertEquals("[DONE]", stream.data().get(stream.data().size() - 1));
        FakeBedrock.Received sent = bedrock.lastReceived();
        assertTrue(sent.path().endsWith("/converse-stream"), sent.path());
        assertSigned(sent);
    }

    @Test
    void streamsInTheSimpleShapeWithUsageAndCost() throws Exception {
        script(ScriptedAnswer.text(List.of("Hel", "lo"), "stop", 12, 5));
        StreamCapture stream = StreamCapture.post(gateway, "/ai/chat",
                chat(MODEL, "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"Hi\"}]"));

        List<JsonNode> events = stream.chunks();
        assertEquals("Hel", events.get(0).path("content").asText());
        assertEquals("lo", events.get(1).path("content").asText());
        assertTrue(events.get(2).path("finished").asBoolean());
        assertEquals("complete", events.get(3).path("type").asText());
        assertEquals(17, events.get(3).path("usage").path("totalTokens").asInt());
        assertEquals("0.0000296", events.get(3).path("cost").decimalValue().toPlainString());
    }

    @Test
    void aMaxTokensCutOffEndsWithFinishReasonLength() throws Exception {
        script(ScriptedAnswer.text(List.of("The", " answer", " is"), "length", 10, 3));
        HttpResponse<String> plain = gateway.post("/v1/chat/completions",
                chat(MODEL, "\"max_tokens\":3,", "[{\"role\":\"user\",\"content\":\"Explain\"}]"));
        assertEquals("length", JSON.readTree(plain.body()).path("choices").path(0).path("finish_reason").asText());
        assertEquals(3, bedrock.lastReceived().body().path("inferenceConfig").path("maxTokens").asInt());

        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                "\"max_completion_tokens\":3,\"stream\":true,", "[{\"role\":\"user\",\"content\":\"Explain\"}]"));
        List<JsonNode> chunks = stream.chunks();
        assertEquals("length", chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText());
        assertEquals(3, bedrock.lastReceived().body().path("inferenceConfig").path("maxTokens").asInt());
    }

    @Test
    void theUsageChunkCarriesTheMetadataCounts() throws Exception {
        script(ScriptedAnswer.text(List.of("a", " b", " c"), "stop", 21, 3));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                "\"stream\":true,\"stream_options\":{\"include_usage\":true},",
                "[{\"role\":\"user\",\"content\":\"x\"}]"));

        assertEquals("[DONE]", stream.data().get(stream.data().size() - 1));
        List<JsonNode> chunks = stream.chunks();
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertEquals(0, usage.path("choices").size());
        assertEquals(21, usage.path("usage").path("prompt_tokens").asInt());
        assertEquals(3, usage.path("usage").path("completion_tokens").asInt());
        assertEquals(24, usage.path("usage").path("total_tokens").asInt());
    }

    @Test
    void aWhitespaceStopSequenceAloneIsLeftOutForClaudeAndSentAsItIsToOtherModels() throws Exception {
        String llama = "meta.llama3-1-8b-instruct-v1:0";
        bedrock.converse(llama, ScriptedAnswer.text(List.of("Yes"), "stop", 5, 1).bedrockConverseJson());
        String body = "\"stop\":\"\\n\",";
        String messages = "[{\"role\":\"user\",\"content\":\"Yes or no?\"}]";

        HttpResponse<String> claude = gateway.post("/v1/chat/completions", chat(MODEL, body, messages));
        HttpResponse<String> other = gateway.post("/v1/chat/completions", chat("bedrock/" + llama, body, messages));

        assertEquals(200, claude.statusCode(), claude.body());
        assertEquals(200, other.statusCode(), other.body());
        assertTrue(bedrock.received().get(0).body().path("inferenceConfig").path("stopSequences").isMissingNode(),
                bedrock.received().get(0).body().toString());
        assertEquals("[\"\\n\"]", bedrock.received().get(1).body().path("inferenceConfig").path("stopSequences")
                .toString());
    }

    @Test
    void claudeBehindAnInferenceProfileDeclaredAsSuchGetsClaudesRequest_undeclaredItGetsAnyModelsRequest()
            throws Exception {
        ScriptedAnswer answer = ScriptedAnswer.text(List.of("Yes", "\nNo, I said yes."), "stop", 9, 6);
        bedrock.converse(ARN, answer.bedrockConverseJson());
        bedrock.stream(ARN, answer.bedrockFrames());
        // a stop sequence of a newline alone, and a cache breakpoint on the user's message
        String asked = "\"stop\":[\"\\n\",\"END\"],%s\"messages\":[{\"role\":\"user\",\"content\":\"Yes or no?\","
                + "\"cache_control\":{\"type\":\"ephemeral\"}}]}";

        HttpResponse<String> single = gateway.post("/v1/chat/completions", "{\"model\":\"claude-billed\","
                + asked.formatted(""));
        StreamCapture streamed = StreamCapture.post(gateway, "/v1/chat/completions",
                "{\"model\":\"claude-billed\"," + asked.formatted("\"stream\":true,"));

        assertEquals(200, single.statusCode(), single.body());
        JsonNode choice = JSON.readTree(single.body()).path("choices").path(0);
        assertEquals("Yes", choice.path("message").path("content").asText(), "cut at the newline by the gateway");
        assertEquals("stop", choice.path("finish_reason").asText());
        assertEquals(200, streamed.status());
        assertEquals("Yes", streamed.openAiText());
        assertEquals(2, bedrock.received().size());
        for (FakeBedrock.Received sent : bedrock.received()) {
            assertEquals(ARN, sent.modelId());
            assertEquals("[\"END\"]", sent.body().at("/inferenceConfig/stopSequences").toString(),
                    sent.body().toString());
            assertEquals(List.of("Yes or no?", "cachePoint"), firstMessageBlocks(sent), sent.body().toString());
        }

        // The same ARN without its family declared is sent as any Bedrock model is, and Claude refuses the newline.
        ModelRouter router = gateway.context().getRegistry().lookupByNameAndType("modelRouter", ModelRouter.class);
        String declared = Files.readString(catalog);
        try {
            Files.writeString(catalog, declared.replace(ARN_PRICE, "{input: 0.80, output: 4.00}"));
            router.reloadIfChanged();
            assertNull(router.resolve("claude-billed").family(), "the edit is live");

            HttpResponse<String> undeclared = gateway.post("/v1/chat/completions", "{\"model\":\"claude-billed\","
                    + asked.formatted(""));

            FakeBedrock.Received sent = bedrock.lastReceived();
            assertEquals("[\"\\n\",\"END\"]", sent.body().at("/inferenceConfig/stopSequences").toString());
            assertEquals(List.of("Yes or no?"), firstMessageBlocks(sent), "no cache point: " + sent.body());
            assertEquals(400, undeclared.statusCode(), undeclared.body());
            assertTrue(undeclared.body().contains("stop sequence must contain non-whitespace"), undeclared.body());
        } finally {
            Files.writeString(catalog, declared);
            router.reloadIfChanged();
        }
    }

    /** The blocks of the first message Bedrock received: each one's text, or "cachePoint" for a cache point. */
    private static List<String> firstMessageBlocks(FakeBedrock.Received sent) {
        return StreamSupport.stream(sent.body().at("/messages/0/content").spliterator(), false)
                .map(block -> block.has("cachePoint") ? "cachePoint" : block.path("text").asText()).toList();
    }

    @Test
    void aJsonSchemaResponseFormatIsAToolBedrockMustCall_answeredAsTheJsonText() throws Exception {
        script(ScriptedAnswer.toolCall(new Call("city", List.of("{\"name\":", "\"Oslo\"}")), 30, 7));
        String format = "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"city\","
                + "\"schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}}},";

        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(MODEL, format,
                "[{\"role\":\"user\",\"content\":\"A city?\"}]"));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                format + "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"A city?\"}]"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode choice = JSON.readTree(response.body()).path("choices").path(0);
        assertEquals("{\"name\":\"Oslo\"}", choice.path("message").path("content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        assertTrue(choice.path("message").path("tool_calls").isMissingNode()
                || choice.path("message").path("tool_calls").isEmpty(), choice.toString());
        assertEquals("{\"name\":\"Oslo\"}", stream.openAiText());
        List<JsonNode> chunks = stream.chunks();
        assertEquals("stop", chunks.get(chunks.size() - 1).path("choices").path(0).path("finish_reason").asText());
        for (FakeBedrock.Received sent : bedrock.received()) {
            JsonNode tools = sent.body().path("toolConfig");
            assertEquals("city", tools.path("tools").path(0).path("toolSpec").path("name").asText());
            assertEquals("string", tools.path("tools").path(0).path("toolSpec").path("inputSchema").path("json")
                    .path("properties").path("name").path("type").asText());
            assertTrue(tools.path("toolChoice").has("any"), tools.toString());
        }
        assertEquals(2, bedrock.received().size());
    }

    @Test
    void aClaudeThatTakesNoForcedToolCallGetsTheSchemaAsConversesOutputFormat_answeredAsItsText() throws Exception {
        String opus55 = "anthropic.claude-opus-5-5";
        ScriptedAnswer json = ScriptedAnswer.text(List.of("{\"name\":", "\"Oslo\"}"), "stop", 30, 7);
        bedrock.converse(opus55, json.bedrockConverseJson());
        bedrock.stream(opus55, json.bedrockFrames());
        String format = "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"city\","
                + "\"schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}}},";

        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("bedrock/" + opus55, format,
                "[{\"role\":\"user\",\"content\":\"A city?\"}]"));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat("bedrock/" + opus55,
                format + "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"A city?\"}]"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("{\"name\":\"Oslo\"}", JSON.readTree(response.body()).at("/choices/0/message/content").asText());
        assertEquals(200, stream.status());
        assertEquals("{\"name\":\"Oslo\"}", stream.openAiText());
        assertEquals(2, bedrock.received().size());
        for (FakeBedrock.Received sent : bedrock.received()) {
            assertFalse(sent.body().has("toolConfig"), sent.body().toString());
            JsonNode textFormat = sent.body().at("/outputConfig/textFormat");
            assertEquals("json_schema", textFormat.path("type").asText(), sent.body().toString());
            assertEquals(JSON.readTree("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},"
                    + "\"additionalProperties\":false}"), JSON.readTree(textFormat.at("/structure/jsonSchema/schema")
                    .asText()));
        }
    }

    @Test
    void textBeforeTheForcedAnswerIsNotRelayed_streamedAsInTheSingleAnswer() throws Exception {
        // a model may write a sentence before the tool call it is made to make (Bedrock's non-Claude models do)
        script(new ScriptedAnswer(List.of("Here is", " the city."), List.of(new Call("json_answer", List.of("{\"name\":",
                "\"Oslo\"}"))), "tool_calls", 30, 12));
        String format = "\"response_format\":{\"type\":\"json_object\"},";

        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(MODEL, format,
                "[{\"role\":\"user\",\"content\":\"A city?\"}]"));
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                format + "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"A city?\"}]"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("{\"name\":\"Oslo\"}", JSON.readTree(response.body()).at("/choices/0/message/content").asText());
        assertEquals(200, stream.status());
        assertEquals("{\"name\":\"Oslo\"}", stream.openAiText(), stream.data().toString());
    }

    @Test
    void textBeforeACallOfTheCallersToolStreamsAheadOfIt_asTheModelWroteThem_withAResponseFormat() throws Exception {
        script(new ScriptedAnswer(List.of("Checking", " the weather."), List.of(new Call("get_weather",
                List.of("{\"city\":", "\"Oslo\"}"))), "tool_calls", 30, 12));

        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                "\"response_format\":{\"type\":\"json_object\"},\"stream\":true,\"tools\":[" + WEATHER_TOOL + "],",
                "[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"}]"));

        assertEquals(200, stream.status());
        assertEquals(List.of("content", "tool_calls", "finish"), stream.openAiOrder(), stream.data().toString());
        assertEquals("Checking the weather.", stream.openAiText());
    }

    @Test
    void textHeldWhenAStreamWithAResponseFormatFailsIsRelayedBeforeTheErrorEvent() throws Exception {
        bedrock.stream("json-fails-midway", List.of(Frame.event("messageStart", "{\"role\":\"assistant\"}"),
                Frame.event("contentBlockStart", "{\"contentBlockIndex\":0,\"start\":{\"toolUse\":"
                        + "{\"name\":\"get_weather\",\"toolUseId\":\"tooluse_Weather\"}}}"),
                Frame.event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":"
                        + "{\"input\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}}"),
                Frame.event("contentBlockStop", "{\"contentBlockIndex\":0}"),
                Frame.event("contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"text\":\"Checking Oslo.\"}}"),
                new Frame(Map.of(":exception-type", "modelStreamErrorException"),
                        "{\"message\":\"The model failed while streaming.\"}")));

        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat("bedrock/json-fails-midway",
                "\"response_format\":{\"type\":\"json_object\"},\"stream\":true,\"tools\":[" + WEATHER_TOOL + "],",
                "[{\"role\":\"user\",\"content\":\"Weather in Oslo?\"}]"));

        assertEquals(200, stream.status());
        assertEquals(List.of("tool_calls", "content", "error"), stream.openAiOrder(), stream.data().toString());
        assertEquals("Checking Oslo.", stream.openAiText());
    }

    @Test
    void aStreamedToolCallWithoutArgumentsHasEmptyObjectArguments() throws Exception {
        script(ScriptedAnswer.toolCall(new Call("get_weather", List.of()), 20, 4));

        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(MODEL,
                "\"stream\":true,\"tools\":[" + WEATHER_TOOL + "],", "[{\"role\":\"user\",\"content\":\"Weather?\"}]"));

        StringBuilder arguments = new StringBuilder();
        for (JsonNode chunk : stream.chunks()) {
            JsonNode piece = chunk.path("choices").path(0).path("delta").path("tool_calls").path(0).path("function")
                    .path("arguments");
            arguments.append(piece.asText(""));
        }
        assertEquals("{}", arguments.toString());
    }

    @Test
    void aResponseFormatForABedrockModelThatCannotBeMadeToCallAToolIsA400BeforeBedrockIsCalled() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("bedrock/meta.llama3-1-8b-instruct-v1:0",
                "\"response_format\":{\"type\":\"json_object\"},", "[{\"role\":\"user\",\"content\":\"Hi\"}]"));

        assertEquals(400, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("response_format", error.path("param").asText());
        assertTrue(error.path("message").asText().contains("meta.llama3-1-8b-instruct-v1:0"), error.toString());
        assertTrue(bedrock.received().isEmpty());
    }

    @Test
    void logprobsForABedrockModelIsA400BeforeBedrockIsCalled() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(
                "bedrock/anthropic.claude-3-haiku-20240307-v1:0", "\"logprobs\":true,",
                "[{\"role\":\"user\",\"content\":\"Hi\"}]"));

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("logprobs", JSON.readTree(response.body()).path("error").path("param").asText());
        assertTrue(bedrock.received().isEmpty());
    }

    /**
     * Converse takes image bytes, not links: an image sent by its URL cannot go to Bedrock, while the targets before and
     * after it in a chain may take links (OpenAI, Anthropic). As for logprobs and response_format, a Bedrock fallback is
     * left out of such a request's chain, rather than ending it with Bedrock's 400 before the next target is tried.
     */
    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {false, true})
    void anImageLinkSkipsABedrockFallbackForTheNextTargetInTheChain(boolean stream) throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("mock-unavailable", stream ? "\"stream\":true," : "", IMAGE_LINK));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("mock", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals("mock-echo", response.headers().firstValue("x-caravan-model").orElseThrow());
        assertTrue(bedrock.received().isEmpty());
    }

    /**
     * Tool-call arguments in the history that are no JSON object (a model may write such, OpenAI warns) reach OpenAI as
     * written, but Converse takes a toolUse input (a request that offers tools) as a JSON object: a Bedrock fallback is
     * skipped rather than sent something else.
     */
    @Test
    void toolCallArgumentsThatAreNoJsonObjectSkipABedrockFallback() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("mock-unavailable", ToolCallArgumentsRouteTest.TOOLS,
                        ToolCallArgumentsRouteTest.BROKEN_ARGUMENTS_HISTORY));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("mock-echo", response.headers().firstValue("x-caravan-model").orElseThrow());
        assertTrue(bedrock.received().isEmpty());
    }

    @Test
    void anImageLinkForABedrockModelWithoutAFallbackIsA400BeforeBedrockIsCalled() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat(MODEL, "", IMAGE_LINK));

        assertEquals(400, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("messages", error.path("param").asText());
        assertTrue(error.path("message").asText().contains("data: URLs"), error.toString());
        assertTrue(bedrock.received().isEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"error-throttling, Too many requests", "error-service-quota, resubmit your request later"})
    void throttlingOrAnExhaustedServiceQuotaIs429(String model, String said) throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", hi("bedrock/" + model));

        assertEquals(429, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("rate_limit_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains(said), error.toString());
        assertSigned(bedrock.lastReceived());
    }

    @Test
    void aValidationExceptionIs400() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", hi("bedrock/error-validation"));

        assertEquals(400, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("invalid_request_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("temperature"), error.toString());
        assertEquals(1, bedrock.received().size(), "a caller's error is not retried");
    }

    /** A caller's own error is the provider answering as it should: it counts as a success for Bedrock's breaker. */
    @Test
    void callersErrorsDoNotCountAgainstBedrocksCircuitBreaker() throws Exception {
        CircuitBreaker.Metrics metrics = gateway.context().getRegistry().lookupByNameAndType("breakers", Breakers.class)
                .breaker("bedrock", "bedrock").getMetrics();
        int failedBefore = metrics.getNumberOfFailedCalls();
        int succeededBefore = metrics.getNumberOfSuccessfulCalls();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> refused = gateway.post("/v1/chat/completions", hi("bedrock/error-validation"));
            assertEquals(400, refused.statusCode(), refused.body());
        }
        assertEquals(failedBefore, metrics.getNumberOfFailedCalls());
        assertEquals(succeededBefore + 3, metrics.getNumberOfSuccessfulCalls());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"error-unavailable", "error-model-error"})
    void aModelThatIsUnavailableOrFailsFallsBackAlongItsChain(String model) throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("bedrock/" + model, "", "[{\"role\":\"user\",\"content\":\"fall back please\"}]"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("mock", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals("2", response.headers().firstValue("x-caravan-attempts").orElseThrow());
    }

    @Test
    void aStreamWhoseFirstEventIsThrottlingFallsBackWithoutCommittingTheFailedOne() throws Exception {
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat("bedrock/stream-throttled",
                "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"fall back please\"}]"));

        assertEquals(200, stream.status());
        assertEquals("mock", stream.header("x-caravan-provider"));
        assertEquals("mock-echo", stream.header("x-caravan-model"));
        assertEquals("2", stream.header("x-caravan-attempts"));
        assertEquals("fall back please", stream.openAiText());
        assertFalse(String.join("\n", stream.data()).contains("error"), stream.data().toString());
        assertEquals("stream-throttled", bedrock.lastReceived().modelId(), "Bedrock was asked first");
        assertSigned(bedrock.lastReceived());
    }

    @Test
    void aStreamThrottledWithoutAChainIs429BeforeAnyByteIsSent() throws Exception {
        bedrock.stream("throttled-unchained", List.of(new FakeBedrock.Frame(Map.of(":exception-type",
                "throttlingException"), "{\"message\":\"Too many requests, please wait before trying again.\"}")));
        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("bedrock/throttled-unchained",
                "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"x\"}]"));

        assertEquals(429, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
        assertEquals("rate_limit_error", JSON.readTree(response.body()).path("error").path("type").asText());
    }

    @Test
    void anExceptionAfterTheStreamBeganEndsItWithAnErrorEvent() throws Exception {
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", chat(
                "bedrock/stream-model-error-midway", "\"stream\":true,", "[{\"role\":\"user\",\"content\":\"x\"}]"));

        assertEquals(200, stream.status());
        assertEquals("bedrock", stream.header("x-caravan-provider"));
        List<JsonNode> chunks = stream.chunks();
        JsonNode last = chunks.get(chunks.size() - 1);
        assertTrue(last.has("error"), last.toString());
        assertFalse(stream.data().contains("[DONE]"), "no [DONE] after an error");
    }

    @Test
    void aCallerWhoLeavesMidStreamEndsTheRelayAtOnceAndLeavesAPartialRecord() throws Exception {
        bedrock.stream("long-story", FakeBedrock.Frame.words(100));
        bedrock.frameDelayMillis(300);
        HttpResponse<InputStream> response = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chat("bedrock/long-story", "\"stream\":true,",
                        "[{\"role\":\"user\",\"content\":\"Tell a long story\"}]"))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        String id = response.headers().firstValue("x-request-id").orElseThrow();
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null && !line.contains("word1 ")) {
            // read on to the second word
        }
        assertNotNull(line, "the stream ended before its second word");

        long leftAt = System.nanoTime();
        response.body().close();

        Ledger ledger = gateway.context().getRegistry().lookupByNameAndType("ledger", Ledger.class);
        Optional<CostRecord> record = ledger.store().find(id);
        while (record.isEmpty() && System.nanoTime() - leftAt < TimeUnit.MILLISECONDS.toNanos(IDLE_TIMEOUT_MS / 2)) {
            Thread.sleep(20);
            record = ledger.store().find(id);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - leftAt);
        assertTrue(record.isPresent(), "no record " + millis + " ms after the caller left: the relay still waits");
        assertTrue(millis < IDLE_TIMEOUT_MS / 4, "the stream was settled " + millis + " ms after the caller left");
        assertEquals(CostRecord.Status.PARTIAL, record.get().status(), "a caller who leaves is no failure");
        // Bedrock reports the prompt's tokens only in the metadata event that ends the stream, which never came: the
        // record says the gateway's count of them, marked as an estimate, not 0
        assertFalse(record.get().usageReported());
        assertEquals(PromptEstimate.tokens(new ChatRequest("bedrock/long-story",
                List.of(ChatMessage.of("user", "Tell a long story")), null, null, null, null, true, false, null, null,
                null, null), new Target("bedrock", "long-story")), record.get().promptTokens());
    }

    @Test
    void unsignedRequestsAreRefusedByTheFake() throws Exception {
        HttpResponse<String> response = gateway.http().send(java.net.http.HttpRequest.newBuilder(
                        bedrock.endpoint().resolve("/model/" + MODEL_ID + "/converse"))
                .header("content-type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, response.statusCode());
        assertTrue(response.body().contains("Missing Authentication Token"));
    }
}
