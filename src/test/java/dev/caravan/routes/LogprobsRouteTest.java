package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.OpenAiWithClaudeFallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code logprobs: true} reaches only upstreams that answer log probabilities: a model served by Anthropic is a 400
 * before any call, and an Anthropic fallback is skipped rather than answering without them.
 */
class LogprobsRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANTHROPIC_KEY = "sk-ant-logprobs-test";
    private static final String CLAUDE = OpenAiWithClaudeFallback.CLAUDE;

    @TempDir
    static Path dir;
    static OpenAiWithClaudeFallback upstreams;

    @BeforeAll
    static void start() throws Exception {
        upstreams = OpenAiWithClaudeFallback.start(dir, ANTHROPIC_KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        upstreams.close();
    }

    @BeforeEach
    void openAiIsOverloadedAndClaudeAnswers() {
        upstreams.openAiOverloadedAndClaudeAnswers("From Claude.");
    }

    private static HttpResponse<String> post(String model, String fields) throws Exception {
        return upstreams.gateway().post("/v1/chat/completions", "{\"model\":\"" + model + "\"," + fields
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    }

    @Test
    void logprobsForAnAnthropicModelIsA400NamingTheFieldBeforeAnyCall_singleAndStreamed() throws Exception {
        for (String stream : new String[] {"", "\"stream\":true,"}) {
            HttpResponse<String> response = post(CLAUDE, stream + "\"logprobs\":true,\"top_logprobs\":3,");

            assertEquals(400, response.statusCode(), response.body());
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertEquals("invalid_request_error", error.path("type").asText());
            assertEquals("logprobs", error.path("param").asText());
            assertTrue(error.path("message").asText().contains(CLAUDE), error.toString());
        }
        assertEquals(0, upstreams.anthropic().received().size());
    }

    @Test
    void aFailingOpenAiSkipsTheAnthropicFallbackForALogprobsRequest() throws Exception {
        HttpResponse<String> withLogprobs = post("gpt-4o-mini", "\"logprobs\":true,");

        assertEquals(200, withLogprobs.statusCode(), withLogprobs.body());
        assertEquals("mock", withLogprobs.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals(1, upstreams.openAi().received().size());
        assertEquals(0, upstreams.anthropic().received().size());

        HttpResponse<String> without = post("gpt-4o-mini", "");
        assertEquals("anthropic", without.headers().firstValue("x-caravan-provider").orElseThrow(), without.body());
    }

    @Test
    void logprobsFalseStillGoesToAnthropic() throws Exception {
        HttpResponse<String> response = post(CLAUDE, "\"logprobs\":false,");

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("From Claude.", JSON.readTree(response.body()).at("/choices/0/message/content").asText());
    }
}
