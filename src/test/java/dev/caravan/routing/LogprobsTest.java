package dev.caravan.routing;

import dev.caravan.api.OpenAiRequestParser;
import dev.caravan.core.GatewayException;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A request for logprobs goes only where log probabilities can come back ({@link FallbackChain#plan}). */
class LogprobsTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"openai, true", "azure-openai, true", "mock, true", "anthropic, false", "bedrock, false"})
    void onlyProvidersWithoutLogProbabilitiesCannotHonourIt(String provider, boolean honoured) {
        assertEquals(honoured, Logprobs.honouredBy(new Target(provider, "some-model")));
    }

    @Test
    void aRequestedModelServedOnlyWhereThereAreNoLogprobsIsA400NamingTheFieldAndTheTarget() throws Exception {
        GatewayException error = assertThrows(GatewayException.class,
                () -> plan("claude-3-5-haiku-20241022", "\"logprobs\":true,"));

        assertEquals(400, error.status());
        assertEquals("logprobs", error.param());
        assertTrue(error.getMessage().contains("anthropic/claude-3-5-haiku-20241022"), error.getMessage());
    }

    @Test
    void aFallbackThatCannotHonourItIsLeftOutOfTheChain() throws Exception {
        assertEquals(List.of(new Target("openai", "gpt-4o-mini"), new Target("mock", "mock-echo")),
                plan("gpt-4o-mini", "\"logprobs\":true,"));
    }

    @Test
    void withoutLogprobsOrWithLogprobsFalseTheChainIsWhole() throws Exception {
        List<Target> whole = List.of(new Target("openai", "gpt-4o-mini"),
                new Target("anthropic", "claude-3-5-haiku-20241022"), new Target("mock", "mock-echo"));

        assertEquals(whole, plan("gpt-4o-mini", ""));
        assertEquals(whole, plan("gpt-4o-mini", "\"logprobs\":false,"));
        assertEquals(List.of(new Target("anthropic", "claude-3-5-haiku-20241022"), new Target("mock", "mock-echo")),
                plan("claude-3-5-haiku-20241022", "\"logprobs\":false,"));
    }

    @Test
    void aStructuredOutputTheRequestedModelCannotGiveIsStillNamedFirst() throws Exception {
        GatewayException error = assertThrows(GatewayException.class, () -> plan("bedrock/meta.llama3-1-8b-instruct-v1:0",
                "\"logprobs\":true,\"response_format\":{\"type\":\"json_object\"},"));

        assertEquals("response_format", error.param());
    }

    private List<Target> plan(String model, String fields) throws Exception {
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, """
                fallbacks:
                  gpt-4o-mini: [claude-3-5-haiku-20241022, mock-echo]
                  claude-3-5-haiku-20241022: [mock-echo]
                """);
        ModelRouter router = new ModelRouter(catalog, Set.of("openai", "anthropic", "bedrock", "mock")::contains);
        CallContext call = new CallContext("req-1", "openai");
        call.request(new OpenAiRequestParser().parse(("{\"model\":\"" + model + "\"," + fields
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}").getBytes(StandardCharsets.UTF_8)));
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(CallContext.PROPERTY, call);

        new FallbackChain(router, ResilienceSettings.defaults(), new LoadBalancer()).plan(exchange);

        return call.chain();
    }
}
