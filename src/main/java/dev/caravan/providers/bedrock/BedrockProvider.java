package dev.caravan.providers.bedrock;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;
import dev.caravan.routing.CallContext;
import dev.caravan.streaming.UpstreamStream;
import org.apache.camel.Exchange;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;

import java.time.Duration;

/**
 * The Bedrock provider as the route calls it: reads the call from the exchange property {@code call}, asks Bedrock
 * through the AWS SDK, and ends with {@code call.answered(...)} or {@code call.streaming(...)}; failures are thrown
 * as {@link GatewayException}.
 */
public final class BedrockProvider {

    private final BedrockClients clients;
    private final BedrockCodec codec;
    private final Duration streamIdleTimeout;

    public BedrockProvider(BedrockClients clients, BedrockCodec codec, Duration streamIdleTimeout) {
        this.clients = clients;
        this.codec = codec;
        this.streamIdleTimeout = streamIdleTimeout;
    }

    /** True when the AWS SDK's default chain finds credentials: without them Bedrock is not offered. */
    public static boolean credentialsAvailable() {
        try (DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build()) {
            chain.resolveCredentials();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Non-streaming: one Converse call; the answer goes to {@code call.answered}. */
    public void converse(Exchange exchange) {
        CallContext call = callOf(exchange);
        String modelId = call.current().model();
        ChatRequest request = call.request();
        ToolNameMap toolNames = ToolNameMap.of(request);
        ConverseRequest converse = codec.converseRequest(request, modelId, toolNames);
        ConverseResponse response;
        try {
            response = clients.sync().converse(converse);
        } catch (RuntimeException e) {
            throw BedrockErrors.map(e);
        }
        call.answered(codec.decodeResponse(response, modelId, toolNames));
    }

    /**
     * Streaming: starts ConverseStream and waits for its first event, so that a stream which fails at once is a
     * failure of this step (fallback still possible); then hands the stream to {@code call.streaming} and returns it.
     */
    public UpstreamStream openStream(Exchange exchange) {
        CallContext call = callOf(exchange);
        String modelId = call.current().model();
        ChatRequest request = call.request();
        ToolNameMap toolNames = ToolNameMap.of(request);
        BedrockConverseStream stream;
        try {
            stream = BedrockConverseStream.start(clients.async(),
                    codec.converseStreamRequest(request, modelId, toolNames), codec.newStreamDecoder(toolNames),
                    streamIdleTimeout);
        } catch (RuntimeException e) {
            throw BedrockErrors.map(e);
        }
        stream.awaitFirstEvent();
        call.streaming(stream);
        return stream;
    }

    private static CallContext callOf(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call == null || call.request() == null || call.current() == null) {
            throw new IllegalStateException("the exchange carries no call with a request and a current target");
        }
        return call;
    }
}
