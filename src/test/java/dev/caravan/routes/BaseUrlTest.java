package dev.caravan.routes;

import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A provider's base URL as the ecosystem writes it: the OpenAI and Anthropic SDKs take OPENAI_BASE_URL and
 * ANTHROPIC_BASE_URL with or without a trailing slash ({@code https://api.openai.com/v1/}), and so does the gateway:
 * the call goes to the endpoint's own path, not to one with a doubled slash that the upstream does not serve.
 */
class BaseUrlTest {

    private static final String ANTHROPIC_KEY = "sk-ant-test-key-5151";

    static FakeOpenAi openAi;
    static FakeAnthropic anthropic;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        openAi = new FakeOpenAi();
        anthropic = new FakeAnthropic(ANTHROPIC_KEY);
        gateway = Gateway.start(Map.of(
                "caravan.openai.base-url", openAi.baseUrl() + "/", "caravan.openai.api-key", "sk-test",
                "caravan.anthropic.base-url", anthropic.baseUrl() + "/", "caravan.anthropic.api-key", ANTHROPIC_KEY));
        openAi.always(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("Hello from the fake.", 12, 5)));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        openAi.close();
        anthropic.close();
    }

    @Test
    void anOpenAiBaseUrlEndingInASlashReachesChatCompletions() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", hi("gpt-4o-mini"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(List.of("/v1/chat/completions"), openAi.received().stream().map(FakeOpenAi.Received::path).toList());
    }

    @Test
    void anAnthropicBaseUrlEndingInASlashReachesMessages() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", hi("claude-3-5-haiku-20241022"));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(1, anthropic.received().size());
    }

    private static String hi(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }
}
