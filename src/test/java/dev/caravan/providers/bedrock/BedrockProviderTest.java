package dev.caravan.providers.bedrock;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.Target;
import dev.caravan.streaming.UpstreamStream;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.caravan.providers.bedrock.TestRequests.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider bean as a route calls it: the call in the exchange property {@code call}, answers back into it. */
class BedrockProviderTest {

    private static FakeBedrock fake;
    private static BedrockClients clients;
    private static BedrockProvider provider;
    private static CamelContext camel;

    @BeforeAll
    static void start() {
        fake = new FakeBedrock();
        fake.frameDelayMillis(5);
        clients = TestRequests.clients(fake.endpoint());
        provider = new BedrockProvider(clients, new BedrockCodec(), Duration.ofSeconds(5));
        camel = new DefaultCamelContext();
    }

    @AfterAll
    static void stop() throws Exception {
        camel.close();
        clients.close();
        fake.close();
    }

    private static Exchange exchangeFor(String modelId) {
        CallContext call = new CallContext("req-1", "openai");
        call.request(chat(ChatMessage.of("user", "Hello")));
        call.attempt(new Target("bedrock", modelId));
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty(CallContext.PROPERTY, call);
        return exchange;
    }

    private static CallContext callOf(Exchange exchange) {
        return exchange.getProperty(CallContext.PROPERTY, CallContext.class);
    }

    @Test
    void conversesWithTheCurrentTargetsModelAndAnswersTheCall() {
        Exchange exchange = exchangeFor("converse-text");

        provider.converse(exchange);

        CallContext call = callOf(exchange);
        assertFalse(call.pending());
        assertEquals("Hello! How can I help you today?", call.response().content());
        assertEquals("converse-text", fake.lastReceived().modelId());
    }

    @Test
    void throwsAGatewayExceptionAndLeavesTheCallPendingWhenBedrockRefuses() {
        Exchange exchange = exchangeFor("error-throttling");

        GatewayException error = assertThrows(GatewayException.class, () -> provider.converse(exchange));

        assertEquals(429, error.status());
        assertTrue(callOf(exchange).pending());
    }

    @Test
    void opensAStreamThatHasAlreadyStartedAndHandsItToTheCall() {
        Exchange exchange = exchangeFor("stream-text-tool-usage");

        try (UpstreamStream stream = provider.openStream(exchange)) {
            assertSame(stream, callOf(exchange).stream());
            List<StreamEvent> first = stream.next();
            assertInstanceOf(StreamEvent.Started.class, first.get(0));
            assertEquals(new StreamEvent.TextDelta("Let me check"), first.get(first.size() - 1),
                    "the stream was handed over once its answer had begun, with what came before it");
        }
    }

    @Test
    void failsToOpenAStreamWhoseFirstEventIsAnExceptionSoTheChainCanFallBack() {
        Exchange exchange = exchangeFor("stream-throttled");

        GatewayException error = assertThrows(GatewayException.class, () -> provider.openStream(exchange));

        assertEquals(429, error.status());
        assertTrue(callOf(exchange).pending());
    }

    /** Claude on Bedrock may fail (overloaded) right after its message began, before any text: still no answer. */
    @Test
    void failsToOpenAStreamThatFailsAfterItsStartBeforeAnyTextSoTheChainCanFallBack() {
        Exchange exchange = exchangeFor("stream-unavailable-after-start");

        GatewayException error = assertThrows(GatewayException.class, () -> provider.openStream(exchange));

        assertEquals(503, error.status());
        assertTrue(error.retryable());
        assertTrue(callOf(exchange).pending());
    }
}
