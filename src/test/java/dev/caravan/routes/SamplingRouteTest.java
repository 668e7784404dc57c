package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.providers.bedrock.AwsTestCredentials;
import dev.caravan.providers.bedrock.FakeBedrock;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * temperature and top_p, which OpenAI-shaped callers send routinely, in front of the Claude models that refuse them
 * (Opus 4.7 and later, Mythos, Fable), end to end: the real gateway before a fake Messages API and a fake Bedrock
 * Runtime that answer such a request 400 as the real ones do. The gateway leaves the fields out for those models and
 * sends them to the others.
 */
class SamplingRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-ant-test-key-sampling";
    private static final String OPUS_47 = "claude-opus-4-7";
    private static final String BEDROCK_OPUS_47 = "us.anthropic.claude-opus-4-7";
    private static final String QUESTION = "[{\"role\":\"user\",\"content\":\"The capital of France?\"}]";
    /** Bedrock's Converse answer to it. */
    private static final String PARIS = "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":["
            + "{\"text\":\"Paris.\"}]}},\"stopReason\":\"end_turn\","
            + "\"usage\":{\"inputTokens\":12,\"outputTokens\":5,\"totalTokens\":17}}";

    @TempDir
    static Path dir;
    static FakeAnthropic anthropic;
    static FakeBedrock bedrock;
    static AwsTestCredentials aws;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        anthropic = new FakeAnthropic(KEY);
        aws = AwsTestCredentials.set("AKIDCARAVANSAMPLE123");
        bedrock = new FakeBedrock();
        gateway = Gateway.start(Map.of("caravan.anthropic.base-url", anthropic.baseUrl(),
                "caravan.anthropic.api-key", KEY, "caravan.anthropic.retry.max-retries", "0",
                "caravan.bedrock.enabled", "true", "caravan.bedrock.region", "us-east-1",
                "caravan.bedrock.endpoint", bedrock.endpoint().toString(), "caravan.bedrock.http1", "true",
                "caravan.bedrock.retry.max-retries", "0",
                "caravan.ledger.budgets-file", Files.writeString(dir.resolve("budgets.yaml"), "").toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        anthropic.close();
        bedrock.close();
        aws.close();
    }

    @BeforeEach
    void reset() {
        anthropic.received().clear();
        bedrock.received().clear();
        anthropic.always(anthropic.reply(FakeAnthropic.text("Paris.", 12, 5)));
        bedrock.converse(BEDROCK_OPUS_47, PARIS);
    }

    private static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\"," + extra + "\"messages\":" + QUESTION + "}";
    }

    @Test
    void claude47IsSentNoTemperatureOrTopPAndAnswersAtItsPrice() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(OPUS_47, "\"temperature\":0.7,\"top_p\":0.9,\"max_tokens\":100,"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = anthropic.received().get(0).json();
        assertFalse(sent.has("temperature"), sent.toString());
        assertFalse(sent.has("top_p"), sent.toString());
        assertEquals(100, sent.path("max_tokens").asInt());
        assertEquals("Paris.", JSON.readTree(response.body()).at("/choices/0/message/content").asText());
        // billed as any answer: 12 in at 5.00 and 5 out at 25.00 per million
        assertEquals(new BigDecimal("0.000185"),
                new BigDecimal(response.headers().firstValue("x-caravan-cost").orElseThrow()));
    }

    @Test
    void claude46StillTakesTheTemperatureItIsSent() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("claude-opus-4-6", "\"temperature\":0.2,"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(0.2, anthropic.received().get(0).json().path("temperature").asDouble(), 1e-9);
    }

    @Test
    void theSimpleShapesTemperatureIsLeftOutForClaude47Too() throws Exception {
        HttpResponse<String> response = gateway.post("/ai/chat", chat(OPUS_47, "\"temperature\":0,"));

        assertEquals(200, response.statusCode(), response.body());
        assertFalse(anthropic.received().get(0).json().has("temperature"));
        assertEquals("Paris.", JSON.readTree(response.body()).path("content").asText());
    }

    @Test
    void reasoningWithATemperatureGoesAheadOnClaude47WhichIsSentNoTemperature() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat(OPUS_47, "\"reasoning_effort\":\"low\",\"temperature\":0.2,\"top_p\":0.5,"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = anthropic.received().get(0).json();
        assertEquals("adaptive", sent.at("/thinking/type").asText());
        assertFalse(sent.has("temperature"), sent.toString());
        assertFalse(sent.has("top_p"), sent.toString());
    }

    @Test
    void claude47OnBedrockIsSentNoTemperatureOrTopPInItsInferenceConfig() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("bedrock/" + BEDROCK_OPUS_47, "\"temperature\":0.7,\"top_p\":0.9,\"max_tokens\":100,"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode inference = bedrock.lastReceived().body().path("inferenceConfig");
        assertEquals(JSON.readTree("{\"maxTokens\":100}"), inference);
        assertEquals("Paris.", JSON.readTree(response.body()).at("/choices/0/message/content").asText());
    }

    @Test
    void reasoningWithATemperatureGoesAheadOnClaude47OnBedrock() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("bedrock/" + BEDROCK_OPUS_47, "\"reasoning_effort\":\"high\",\"temperature\":0.3,"));

        assertEquals(200, response.statusCode(), response.body());
        JsonNode sent = bedrock.lastReceived().body();
        assertEquals("adaptive", sent.at("/additionalModelRequestFields/thinking/type").asText());
        assertFalse(sent.path("inferenceConfig").has("temperature"), sent.toString());
    }

    @Test
    void anOlderClaudeOnBedrockStillTakesTheTemperature() throws Exception {
        String sonnet = "anthropic.claude-3-7-sonnet-20250219-v1:0";
        bedrock.converse(sonnet, PARIS);

        HttpResponse<String> response = gateway.post("/v1/chat/completions",
                chat("bedrock/" + sonnet, "\"temperature\":0.7,"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(0.7, bedrock.lastReceived().body().at("/inferenceConfig/temperature").asDouble(), 1e-6);
    }
}
