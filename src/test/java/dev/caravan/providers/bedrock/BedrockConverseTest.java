package dev.caravan.providers.bedrock;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.GatewayException;
import dev.caravan.routing.Target;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static dev.caravan.providers.bedrock.TestRequests.chat;
import static dev.caravan.providers.bedrock.TestRequests.request;
import static dev.caravan.providers.bedrock.TestRequests.weatherTool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Non-streaming Converse through the real AWS SDK client (SigV4, JSON protocol) against the fake Bedrock. */
class BedrockConverseTest {

    private static FakeBedrock fake;
    private static BedrockClients clients;
    private final BedrockCodec codec = new BedrockCodec();

    @BeforeAll
    static void start() {
        fake = new FakeBedrock();
        clients = TestRequests.clients(fake.endpoint());
    }

    @AfterAll
    static void stop() {
        clients.close();
        fake.close();
    }

    private ChatResponse converse(ChatRequest request, String modelId) {
        ToolNameMap names = ToolNameMap.of(request);
        try {
            ConverseResponse response = clients.sync().converse(codec.converseRequest(request,
                    new Target("bedrock", modelId), names));
            return codec.decodeResponse(response, modelId, names);
        } catch (RuntimeException e) {
            throw BedrockErrors.map(e);
        }
    }

    @Test
    void answersWithTheTextAndUsageOfARecordedConverseResponse() {
        ChatResponse answer = converse(chat(ChatMessage.of("user", "Hello")), "converse-text");

        assertEquals("Hello! How can I help you today?", answer.content());
        assertEquals("stop", answer.finishReason());
        assertEquals(12, answer.usage().promptTokens());
        assertEquals(10, answer.usage().completionTokens());
        assertEquals("fake-request", answer.id());
        assertEquals("converse-text", answer.model());
    }

    @Test
    void signsEachRequestWithSigV4ForTheBedrockServiceInTheConfiguredRegion() {
        converse(chat(ChatMessage.of("user", "Hello")), "converse-text");

        String auth = fake.lastReceived().authorization();
        assertTrue(auth.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEKEY12345/"), auth);
        assertTrue(auth.contains("/us-east-1/bedrock/aws4_request"), auth);
        assertEquals("Hello", fake.lastReceived().body().at("/messages/0/content/0/text").asText());
    }

    @Test
    void returnsToolCallsUnderTheCallersOriginalToolNames() {
        ChatRequest request = request(List.of(ChatMessage.of("user", "Weather in Paris?")),
                List.of(weatherTool("weather.get")), null);

        ChatResponse answer = converse(request, "converse-tool-use");

        assertEquals("weather_get", fake.lastReceived().body().at("/toolConfig/tools/0/toolSpec/name").asText());
        assertEquals("object",
                fake.lastReceived().body().at("/toolConfig/tools/0/toolSpec/inputSchema/json/type").asText());
        assertEquals("tool_calls", answer.finishReason());
        assertEquals("I'll look up the weather in Paris.", answer.content());
        assertEquals(1, answer.toolCalls().size());
        assertEquals("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", answer.toolCalls().get(0).id());
        assertEquals("weather.get", answer.toolCalls().get(0).name());
        assertEquals("{\"city\":\"Paris\",\"days\":3,\"unit\":\"celsius\"}", answer.toolCalls().get(0).arguments());
    }

    @Test
    void countsCachedTokensInThePromptAndReportsMaxTokensAsLength() {
        ChatResponse answer = converse(chat(ChatMessage.of("user", "Summarise")), "converse-cached-max-tokens");

        assertEquals("length", answer.finishReason());
        assertEquals(25 + 2048, answer.usage().promptTokens());
        assertEquals(2048, answer.usage().cacheReadTokens());
        assertEquals(16, answer.usage().completionTokens());
    }

    @Test
    void reportsAGuardrailInterventionAsContentFilter() {
        assertEquals("content_filter", converse(chat(ChatMessage.of("user", "?")), "converse-guardrail").finishReason());
    }

    @ParameterizedTest
    @CsvSource({
            "error-throttling,      429, rate_limit_exceeded,     true",
            "error-unavailable,     503, upstream_unavailable,    true",
            "error-model-timeout,   504, upstream_timeout,        true",
            "error-model-error,     502, upstream_model_error,    true",
            "error-service-quota,   429, rate_limit_exceeded,     true",
            "error-validation,      400, invalid_value,           false",
            "error-context-length,  400, context_length_exceeded, false",
            "error-access-denied,   502, upstream_access_denied,  true",
            "error-not-found,       404, model_not_found,         true"})
    void mapsEachRecordedErrorAnswerToTheGatewaysStatusCodeAndRetryability(String fixture, int status, String code,
                                                                         boolean retryable) {
        GatewayException error = assertThrows(GatewayException.class,
                () -> converse(chat(ChatMessage.of("user", "Hi")), fixture));

        assertEquals(status, error.status());
        assertEquals(code, error.code());
        assertEquals(retryable, error.retryable());
        assertTrue(error.getMessage().startsWith("bedrock: "), error.getMessage());
        assertFalse(error.getMessage().contains("AKIDEXAMPLEKEY12345"));
        assertFalse(error.getMessage().contains("not-a-real-secret"));
    }

    @Test
    void leavesRetryingToTheRouteSoAThrottledCallIsAskedOnlyOnce() {
        int before = fake.received().size();

        assertThrows(GatewayException.class, () -> converse(chat(ChatMessage.of("user", "Hi")), "error-throttling"));

        assertEquals(before + 1, fake.received().size());
    }

    @Test
    void fakeBedrockTurnsAwayUnsignedRequestsLikeTheRealService() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        fake.endpoint().resolve("/model/converse-text/converse"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(403, response.statusCode());
        assertTrue(response.headers().firstValue("x-amzn-ErrorType").isPresent());
        assertTrue(response.body().contains("\"message\""));
    }

    @Test
    void aBedrockThatCannotBeReachedIsA502ThatAllowsFallback() {
        try (BedrockClients unreachable = TestRequests.clients(URI.create("http://127.0.0.1:1"))) {
            ToolNameMap names = new ToolNameMap();
            GatewayException error = assertThrows(GatewayException.class, () -> {
                try {
                    unreachable.sync().converse(codec.converseRequest(chat(ChatMessage.of("user", "Hi")),
                            new Target("bedrock", "m"), names));
                } catch (RuntimeException e) {
                    throw BedrockErrors.map(e);
                }
            });
            assertEquals(502, error.status());
            assertTrue(error.retryable());
        }
    }

    @Test
    void honoursTheSdksOwnBedrockRuntimeEndpointSetting() {
        // The system property twin of AWS_ENDPOINT_URL_BEDROCK_RUNTIME, read by the SDK when the client is built.
        System.setProperty("aws.endpointUrlBedrockRuntime", fake.endpoint().toString());
        try (BedrockClients fromSdkSettings = new BedrockClients(Region.US_EAST_1, null, TestRequests.CREDENTIALS,
                Duration.ofSeconds(2), Duration.ofSeconds(10), true, 1)) {
            int before = fake.received().size();
            ConverseResponse response = fromSdkSettings.sync().converse(codec.converseRequest(
                    chat(ChatMessage.of("user", "Hi")), new Target("bedrock", "converse-text"), new ToolNameMap()));
            assertEquals("Hello! How can I help you today?", response.output().message().content().get(0).text());
            assertEquals(before + 1, fake.received().size());
        } finally {
            System.clearProperty("aws.endpointUrlBedrockRuntime");
        }
    }

    @Test
    void readsReasoningContentAsThinkingBlocksSignatureUnchangedRedactedAsBase64() throws Exception {
        String model = "anthropic.claude-3-7-sonnet-20250219-v1:0";
        fake.converse(model, FakeBedrock.fixture("converse-thinking-tool-use.json"));
        ChatRequest request = request(List.of(ChatMessage.of("user", "Weather in Paris?")),
                List.of(weatherTool("weather.get")), null);

        ChatResponse answer = converse(request, model);

        assertEquals(List.of(
                ThinkingBlock.thinking("The user wants the weather in Paris. I should call weather_get.",
                        "EuYBCkQYAiJAgCs1le6/Pol5Z4/JMomVOouGrWdhYNsH3ukzUECbB6iWrSQt"),
                ThinkingBlock.redacted("RW13S0FoZ0JFZ3kzdmEzcHppeC9MYWZQc240YURGSVQ=")), answer.thinking());
        assertEquals("Let me check the weather.", answer.content());
        assertEquals("weather.get", answer.toolCalls().get(0).name());
        // thinking is billed in outputTokens, as Bedrock reports them
        assertEquals(187, answer.usage().completionTokens());
    }
}
