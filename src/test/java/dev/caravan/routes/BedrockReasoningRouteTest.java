package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.caravan.providers.bedrock.AwsTestCredentials;
import dev.caravan.providers.bedrock.FakeBedrock;
import dev.caravan.support.Gateway;
import dev.caravan.support.StreamCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * reasoning_effort for Claude on Bedrock, end to end: the real gateway, the AWS SDK, and the fake Bedrock Runtime that
 * refuses what Anthropic refuses with thinking on (passed through additionalModelRequestFields) and answers
 * reasoningContent blocks, whole or in AWS event-stream frames.
 */
class BedrockReasoningRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Priced in the catalog, maxOutputTokens 64,000. */
    private static final String MODEL_ID = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    private static final String MODEL = "bedrock/" + MODEL_ID;
    private static final String SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";
    private static final String QUESTION = "[{\"role\":\"user\",\"content\":\"27 * 453?\"}]";
    private static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"weather.get\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}";

    @TempDir
    static Path dir;
    static FakeBedrock bedrock;
    static Gateway gateway;
    static AwsTestCredentials aws;

    @BeforeAll
    static void start() throws Exception {
        aws = AwsTestCredentials.set("AKIDCARAVANTHINK1234");
        bedrock = new FakeBedrock();
        gateway = Gateway.start(Map.of("caravan.bedrock.enabled", "true", "caravan.bedrock.region", "us-east-1",
                "caravan.bedrock.endpoint", bedrock.endpoint().toString(), "caravan.bedrock.http1", "true",
                "caravan.ledger.budgets-file", Files.writeString(dir.resolve("budgets.yaml"), "").toString(),
                "caravan.bedrock.retry.max-retries", "0"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        bedrock.close();
        aws.close();
    }

    @BeforeEach
    void reset() throws Exception {
        bedrock.received().clear();
        bedrock.frameDelayMillis(0);
        bedrock.converse(MODEL_ID, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":["
                + "{\"reasoningContent\":{\"reasoningText\":{\"text\":\"27 * 400 = 10800, 27 * 53 = 1431.\","
                + "\"signature\":\"" + SIGNATURE + "\"}}},{\"text\":\"12231\"}]}},\"stopReason\":\"end_turn\","
                + "\"usage\":{\"inputTokens\":36,\"outputTokens\":143,\"totalTokens\":179}}");
        bedrock.stream(MODEL_ID, FakeBedrock.parseFrames(FakeBedrock.fixture("stream-thinking.jsonl")));
    }

    private static String chat(String extra, String messages) {
        return "{\"model\":\"" + MODEL + "\"," + extra + "\"messages\":" + messages + "}";
    }

    @Test
    void claudeOnBedrockThinksThroughAdditionalModelRequestFieldsAndAnswersItsReasoning() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("\"reasoning_effort\":\"high\",\"max_tokens\":1000,", QUESTION));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = bedrock.lastReceived().body();
        assertEquals(JSON.readTree("{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":4096}}"),
                sent.get("additionalModelRequestFields"));
        assertEquals(4096 + 1000, sent.at("/inferenceConfig/maxTokens").asInt());
        JsonNode message = JSON.readTree(response.body()).at("/choices/0/message");
        assertEquals("12231", message.path("content").asText());
        assertEquals("27 * 400 = 10800, 27 * 53 = 1431.", message.path("reasoning_content").asText());
        assertEquals(JSON.readTree("[{\"type\":\"thinking\",\"thinking\":\"27 * 400 = 10800, 27 * 53 = 1431.\","
                + "\"signature\":\"" + SIGNATURE + "\"}]"), message.get("thinking_blocks"));
        assertEquals(143, JSON.readTree(response.body()).at("/usage/completion_tokens").asInt());
    }

    @Test
    void claude47OnBedrockThinksAdaptivelyAtTheEffortAskedThroughAdditionalModelRequestFields() throws Exception {
        String opus = "us.anthropic.claude-opus-4-7";
        bedrock.converse(opus, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":["
                + "{\"reasoningContent\":{\"reasoningText\":{\"text\":\"27 * 453 = 12231.\",\"signature\":\""
                + SIGNATURE + "\"}}},{\"text\":\"12231\"}]}},\"stopReason\":\"end_turn\","
                + "\"usage\":{\"inputTokens\":36,\"outputTokens\":80,\"totalTokens\":116}}");

        HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"bedrock/" + opus
                + "\",\"reasoning_effort\":\"high\",\"max_tokens\":1000,\"messages\":" + QUESTION + "}");

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = bedrock.lastReceived().body();
        assertEquals(JSON.readTree("{\"thinking\":{\"type\":\"adaptive\",\"display\":\"summarized\"},"
                + "\"output_config\":{\"effort\":\"high\"}}"), sent.get("additionalModelRequestFields"));
        assertEquals(4096 + 1000, sent.at("/inferenceConfig/maxTokens").asInt(), "high's nominal budget on top");
        JsonNode message = JSON.readTree(response.body()).at("/choices/0/message");
        assertEquals("12231", message.path("content").asText());
        assertEquals("27 * 453 = 12231.", message.path("reasoning_content").asText());
    }

    @Test
    void aStreamFromClaude47OnBedrockCarriesTheThinkingItIsAskedToShow() throws Exception {
        String opus = "us.anthropic.claude-opus-4-7";
        bedrock.stream(opus, FakeBedrock.parseFrames(FakeBedrock.fixture("stream-thinking.jsonl")));

        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", "{\"model\":\"bedrock/" + opus
                + "\",\"reasoning_effort\":\"low\",\"stream\":true,\"messages\":" + QUESTION + "}");

        assertEquals(200, stream.status());
        StringBuilder reasoning = new StringBuilder();
        stream.chunks().forEach(chunk -> reasoning.append(chunk.at("/choices/0/delta/reasoning_content").asText("")));
        assertEquals("27 * 400 = 10800, 27 * 53 = 1431.", reasoning.toString(), "Opus 4.7 omits it unless asked");
        assertEquals("summarized",
                bedrock.lastReceived().body().at("/additionalModelRequestFields/thinking/display").asText());
        assertEquals("12231", stream.openAiText());
    }

    @Test
    void aStreamFromBedrockCarriesTheThinkingTheSignatureAndTheRedactedBlock() throws Exception {
        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                chat("\"reasoning_effort\":\"low\",\"stream\":true,\"stream_options\":{\"include_usage\":true},",
                        QUESTION));

        assertEquals(200, stream.status());
        assertEquals(64_000, bedrock.lastReceived().body().at("/inferenceConfig/maxTokens").asInt(),
                "Claude 3.7 Sonnet's most output, which holds the budget");
        StringBuilder reasoning = new StringBuilder();
        ArrayNode pieces = JSON.createArrayNode();
        for (JsonNode chunk : stream.chunks()) {
            reasoning.append(chunk.at("/choices/0/delta/reasoning_content").asText(""));
            chunk.at("/choices/0/delta/thinking_blocks").forEach(pieces::add);
        }
        assertEquals("27 * 400 = 10800, 27 * 53 = 1431.", reasoning.toString());
        assertEquals(JSON.readTree("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"" + SIGNATURE + "\"}"),
                pieces.get(2));
        assertEquals(JSON.readTree("{\"type\":\"redacted_thinking\","
                + "\"data\":\"RW13S0FoZ0JFZ3kzdmEzcHppeC9MYWZQc240YURGSVQ=\"}"), pieces.get(3));
        assertEquals("12231", stream.openAiText());
        assertEquals(143, stream.chunks().get(stream.chunks().size() - 1).at("/usage/completion_tokens").asInt());
    }

    @Test
    void aToolUseTurnGoesBackToBedrockWithItsReasoningContentFirst() throws Exception {
        String ask = "{\"role\":\"user\",\"content\":\"Weather in Paris?\"}";
        String assistant = "{\"role\":\"assistant\",\"content\":null,\"thinking_blocks\":[{\"type\":\"thinking\","
                + "\"thinking\":\"I need the weather.\",\"signature\":\"" + SIGNATURE + "\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"RW13S0FoZ0JFZ3kzdmEzcHppeC9MYWZQc240YURGSVQ=\"}],"
                + "\"tool_calls\":[{\"id\":\"tooluse_1\",\"type\":\"function\",\"function\":{\"name\":\"weather.get\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}";
        String result = "{\"role\":\"tool\",\"tool_call_id\":\"tooluse_1\",\"content\":\"18 degrees\"}";

        HttpResponse<String> response = gateway.post("/v1/chat/completions", chat("\"reasoning_effort\":\"low\","
                + "\"tools\":[" + WEATHER_TOOL + "],", "[" + ask + "," + assistant + "," + result + "]"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode turn = bedrock.lastReceived().body().at("/messages/1/content");
        assertEquals(JSON.readTree("{\"reasoningText\":{\"text\":\"I need the weather.\",\"signature\":\""
                + SIGNATURE + "\"}}"), turn.at("/0/reasoningContent"));
        assertEquals("RW13S0FoZ0JFZ3kzdmEzcHppeC9MYWZQc240YURGSVQ=",
                turn.at("/1/reasoningContent/redactedContent").asText());
        assertEquals("weather_get", turn.at("/2/toolUse/name").asText());
    }

    @Test
    void aConflictWithThinkingIsA400BeforeBedrockIsCalled() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("\"reasoning_effort\":\"low\",\"temperature\":0.3,", QUESTION));

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("temperature", JSON.readTree(response.body()).at("/error/param").asText());
        assertEquals(List.of(), bedrock.received());
    }

    @Test
    void anotherBedrockFamilyCannotReasonSoItIsA400NamingTheField() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"bedrock/"
                + "meta.llama3-1-70b-instruct-v1:0\",\"reasoning_effort\":\"low\",\"messages\":" + QUESTION + "}");

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("reasoning_effort", JSON.readTree(response.body()).at("/error/param").asText());
        assertEquals(List.of(), bedrock.received());
    }
}
