package dev.caravan.providers.bedrock;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.Target;
import dev.caravan.streaming.UpstreamStream;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provider in YAML routes against the fake Bedrock: the SDK bean path (converse / openStream), and Camel's own
 * aws-bedrock endpoint (operation=converse, pojoRequest=true) with the bean preparing the request and reading the answer.
 */
class BedrockYamlRoutesTest {

    private static final String ROUTE = """
            - route:
                id: provider-bedrock-endpoint
                from:
                  uri: direct:bedrock-endpoint
                  steps:
                    - doTry:
                        steps:
                          - bean: { ref: bedrockProvider, method: requestForEndpoint }
                          - to: "aws-bedrock:caravan?operation=converse&pojoRequest=true&region=us-east-1&accessKey=AKIDEXAMPLEKEY12345&secretKey=RAW(not-a-real-secret)&overrideEndpoint=true&uriEndpointOverride={{fake.endpoint}}"
                          - bean: { ref: bedrockProvider, method: answerFromEndpoint }
                        doCatch:
                          - exception:
                              - java.lang.Exception
                            steps:
                              - bean: { ref: bedrockProvider, method: rethrowMapped }
            - route:
                id: provider-bedrock
                from:
                  uri: direct:provider-bedrock
                  steps:
                    - choice:
                        when:
                          - simple: "${exchangeProperty.call.isStream()}"
                            steps:
                              - bean: { ref: bedrockProvider, method: openStream }
                        otherwise:
                          steps:
                            - bean: { ref: bedrockProvider, method: converse }
            """;

    private static FakeBedrock fake;
    private static BedrockClients clients;
    private static CamelContext camel;

    @BeforeAll
    static void start() throws Exception {
        fake = new FakeBedrock();
        clients = TestRequests.clients(fake.endpoint());
        camel = new DefaultCamelContext();
        camel.getPropertiesComponent().addInitialProperty("fake.endpoint", fake.endpoint().toString());
        camel.getRegistry().bind("bedrockProvider",
                new BedrockProvider(clients, new BedrockCodec(), Duration.ofSeconds(5)));
        PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.fromString("bedrock.yaml", ROUTE));
        camel.start();
    }

    @AfterAll
    static void stop() throws Exception {
        camel.close();
        clients.close();
        fake.close();
    }

    private static Exchange send(String modelId) {
        return send("direct:bedrock-endpoint", modelId, false);
    }

    private static Exchange send(String route, String modelId, boolean stream) {
        return send(route, modelId, stream, null);
    }

    private static Exchange send(String route, String modelId, boolean stream, List<String> stop) {
        CallContext call = new CallContext("req-1", "openai");
        call.request(new ChatRequest("bedrock/" + modelId, List.of(ChatMessage.of("user", "Hello")), null, null,
                null, stop, stream, true, null, null, null, null));
        call.attempt(new Target("bedrock", modelId));
        return camel.createProducerTemplate().request(route, e -> e.setProperty(CallContext.PROPERTY, call));
    }

    @Test
    void theSdkBeanRouteConversesOrOpensAStreamAsTheCallAsks() {
        Exchange plain = send("direct:provider-bedrock", "converse-text", false);
        Exchange streaming = send("direct:provider-bedrock", "stream-text-tool-usage", true);

        assertEquals(null, plain.getException());
        assertEquals("Hello! How can I help you today?",
                plain.getProperty(CallContext.PROPERTY, CallContext.class).response().content());
        assertEquals(null, streaming.getException());
        try (UpstreamStream stream = streaming.getProperty(CallContext.PROPERTY, CallContext.class).stream()) {
            assertInstanceOf(StreamEvent.Started.class, stream.next().get(0));
        }
    }

    @Test
    void camelsBedrockEndpointAnswersTheCallWhenItsEndpointIsOverridden() {
        Exchange answer = send("converse-text");

        assertEquals(null, answer.getException());
        CallContext call = answer.getProperty(CallContext.PROPERTY, CallContext.class);
        assertFalse(call.pending());
        assertEquals("Hello! How can I help you today?", call.response().content());
        assertEquals("stop", call.response().finishReason());
        assertEquals(22, call.response().usage().totalTokens());
        assertTrue(fake.lastReceived().authorization().contains("/us-east-1/bedrock/aws4_request"));
    }

    @Test
    void camelsBedrockEndpointCutsAClaudeAnswerAtTheWhitespaceStopSequenceItWasNotSent() {
        String claude = "anthropic.claude-3-5-haiku-20241022-v1:0";
        fake.converse(claude, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":"
                + "\"Positive.\\nBecause...\"}]}},\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":9,"
                + "\"outputTokens\":4,\"totalTokens\":13}}");

        Exchange answer = send("direct:bedrock-endpoint", claude, false, List.of("\n", "END"));

        assertEquals(null, answer.getException());
        CallContext call = answer.getProperty(CallContext.PROPERTY, CallContext.class);
        assertEquals("Positive.", call.response().content());
        assertEquals("stop", call.response().finishReason());
        assertEquals(4, call.response().usage().completionTokens());
        assertEquals("[\"END\"]", fake.lastReceived().body().path("inferenceConfig").path("stopSequences").toString());
    }

    @Test
    void camelsBedrockEndpointFailuresAreMappedLikeTheSdkPath() {
        Exchange answer = send("error-unavailable");

        GatewayException error = assertInstanceOf(GatewayException.class, answer.getException());
        assertEquals(503, error.status());
        assertTrue(error.retryable());
    }
}
