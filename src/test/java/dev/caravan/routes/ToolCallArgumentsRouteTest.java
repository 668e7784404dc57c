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
 * Tool-call arguments in an assistant message of the history that are no JSON object (a model may write such, OpenAI
 * warns) go to OpenAI as written; Anthropic takes a tool_use input as a JSON object only, so a Claude model is a 400
 * naming the messages before any call and a Claude fallback is skipped: the caller's history is never rewritten.
 */
class ToolCallArgumentsRouteTest {

    /** A tool loop whose assistant turn carries arguments cut short. */
    static final String BROKEN_ARGUMENTS_HISTORY = "[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
            + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\": \\\"Par\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18C\"}]";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANTHROPIC_KEY = "sk-ant-tool-arguments-test";
    static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}],";

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
        upstreams.openAiOverloadedAndClaudeAnswers("Sunny.");
    }

    private static HttpResponse<String> post(String model, String messages) throws Exception {
        return post(model, TOOLS, messages);
    }

    private static HttpResponse<String> post(String model, String tools, String messages) throws Exception {
        return upstreams.gateway().post("/v1/chat/completions", "{\"model\":\"" + model + "\"," + tools
                + "\"messages\":" + messages + "}");
    }

    @Test
    void argumentsThatAreNoJsonObjectForAClaudeModelAreA400NamingTheMessagesBeforeAnyCall() throws Exception {
        for (String arguments : new String[] {BROKEN_ARGUMENTS_HISTORY,
                BROKEN_ARGUMENTS_HISTORY.replace("{\\\"city\\\": \\\"Par", "[1,2]"),
                // an object with more after it (a model's stray brace) is no JSON object either: not cut to the object
                BROKEN_ARGUMENTS_HISTORY.replace("\\\"Par", "\\\"Paris\\\"}}")}) {
            HttpResponse<String> response = post(OpenAiWithClaudeFallback.CLAUDE, arguments);

            assertEquals(400, response.statusCode(), response.body());
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertEquals("invalid_request_error", error.path("type").asText());
            assertEquals("messages", error.path("param").asText());
            assertTrue(error.path("message").asText().contains("call_1"), error.toString());
        }
        assertEquals(0, upstreams.anthropic().received().size());
    }

    @Test
    void openAiGetsThemAsWrittenAndAClaudeFallbackIsSkipped() throws Exception {
        HttpResponse<String> response = post("gpt-4o-mini", BROKEN_ARGUMENTS_HISTORY);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("mock", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals(1, upstreams.openAi().received().size());
        assertEquals("{\"city\": \"Par", JSON.readTree(upstreams.openAi().received().get(0).body())
                .at("/messages/1/tool_calls/0/function/arguments").asText());
        assertEquals(0, upstreams.anthropic().received().size());
    }

    /** Without tools on offer, Anthropic gets the earlier tool turns as text: the arguments go in it as written. */
    @Test
    void withoutToolsOnOfferClaudeReadsThemAsWritten() throws Exception {
        HttpResponse<String> response = post(OpenAiWithClaudeFallback.CLAUDE, "", BROKEN_ARGUMENTS_HISTORY);

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(upstreams.anthropic().received().get(0).body().contains("{\\\"city\\\": \\\"Par"),
                upstreams.anthropic().received().get(0).body());
    }

    @Test
    void argumentsThatAreAJsonObjectStillReachClaude() throws Exception {
        HttpResponse<String> response = post(OpenAiWithClaudeFallback.CLAUDE,
                BROKEN_ARGUMENTS_HISTORY.replace("\\\"Par", "\\\"Paris\\\"}"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(1, upstreams.anthropic().received().size());
    }
}
