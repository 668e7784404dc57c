package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request for a model whose provider has no credentials goes to its fallbacks; one that cannot honour what the
 * request asks (here logprobs) is skipped like any fallback, not made the request's 400: that 400 is the requested
 * model's own.
 */
class UnconfiguredModelFallbackTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANTHROPIC_KEY = "sk-ant-unconfigured-test";
    private static final String CLAUDE = "claude-3-5-haiku-20241022";

    @TempDir
    static Path dir;
    static FakeAnthropic anthropic;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        anthropic = new FakeAnthropic(ANTHROPIC_KEY);
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, Files.readString(Path.of("config/catalog.yaml")).replace("fallbacks:\n",
                "fallbacks:\n  gpt-4o-mini: [" + CLAUDE + ", mock-echo]\n  gpt-4o: [" + CLAUDE + "]\n"));
        // no OpenAI key: gpt-4o-mini and gpt-4o are served by their fallbacks only
        gateway = Gateway.start(Map.of("caravan.anthropic.base-url", anthropic.baseUrl(),
                "caravan.anthropic.api-key", ANTHROPIC_KEY, "caravan.catalog.file", catalog.toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        anthropic.close();
    }

    @BeforeEach
    void claudeAnswers() {
        anthropic.received().clear();
        anthropic.always(anthropic.reply(FakeAnthropic.text("From Claude.", 12, 3)));
    }

    private static HttpResponse<String> post(String model, String fields) throws Exception {
        return gateway.post("/v1/chat/completions", "{\"model\":\"" + model + "\"," + fields
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    }

    @Test
    void aFallbackThatCannotHonourLogprobsIsSkippedForALaterOneThatCan() throws Exception {
        HttpResponse<String> response = post("gpt-4o-mini", "\"logprobs\":true,");

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("mock", response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals(0, anthropic.received().size());

        HttpResponse<String> without = post("gpt-4o-mini", "");
        assertEquals("anthropic", without.headers().firstValue("x-caravan-provider").orElseThrow(), without.body());
    }

    @Test
    void whenNoFallbackCanHonourItTheRequestedModelIsNotConfigured() throws Exception {
        HttpResponse<String> response = post("gpt-4o", "\"logprobs\":true,");

        assertEquals(503, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("provider_not_configured", error.path("code").asText(), error.toString());
        assertEquals("model", error.path("param").asText());
        assertTrue(error.path("message").asText().contains("openai/gpt-4o"), error.toString());
        assertTrue(error.path("message").asText().contains("logprobs"), error.toString());
        assertEquals(0, anthropic.received().size());
    }
}
