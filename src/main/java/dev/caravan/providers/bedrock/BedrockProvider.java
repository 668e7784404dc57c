package dev.caravan.providers.bedrock;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ForcedToolUse;
import dev.caravan.core.JsonAnswerTool;
import dev.caravan.ledger.PromptEstimate;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.Target;
import dev.caravan.streaming.UpstreamStream;
import org.apache.camel.Exchange;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The Bedrock provider as the route calls it: reads the call from the exchange property {@code call}, asks Bedrock
 * through the AWS SDK, and ends with {@code call.answered(...)} or {@code call.streaming(...)}; failures are thrown
 * as {@link GatewayException}.
 */
public final class BedrockProvider {

    private static final String TOOL_NAMES = "bedrockToolNames";

    private final Supplier<BedrockClients> clients;
    private final BedrockCodec codec;
    private final Duration streamIdleTimeout;

    public BedrockProvider(BedrockClients clients, BedrockCodec codec, Duration streamIdleTimeout) {
        this(() -> clients, codec, streamIdleTimeout);
    }

    /** Clients made on first use: a gateway without Bedrock configured never builds (or needs a region for) them. */
    public BedrockProvider(Supplier<BedrockClients> clients, BedrockCodec codec, Duration streamIdleTimeout) {
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
        JsonAnswerTool answerTool = answerTool(call);
        ChatRequest request = asSent(call.request(), answerTool);
        ToolNameMap toolNames = ToolNameMap.of(request);
        BedrockClients bedrock = clients.get();
        ConverseRequest converse = withinDeadline(codec.converseRequest(request, call.current(), toolNames), call,
                bedrock.apiCallTimeout());
        ConverseResponse response;
        try {
            response = bedrock.sync().converse(converse);
        } catch (RuntimeException e) {
            throw BedrockErrors.map(e);
        }
        call.answered(asAsked(call, answerTool, codec.decodeResponse(response, modelId, toolNames)));
    }

    /**
     * The answer's tool for a structured output, but for a model that takes no forced tool call
     * ({@link ForcedToolUse}): {@link BedrockCodec} gives that one the schema as Converse's output format.
     */
    private static JsonAnswerTool answerTool(CallContext call) {
        return ForcedToolUse.answerTool(call.request(), call.current().model());
    }

    /**
     * Bedrock's answer as the caller asked for it: cut where the request says ({@link BedrockCodec#answerFor}), a
     * structured output as its text.
     */
    private ChatResponse asAsked(CallContext call, JsonAnswerTool answerTool, ChatResponse answer) {
        ChatResponse cut = codec.answerFor(call.request(), call.current(), answer);
        return answerTool == null ? cut : answerTool.answer(cut);
    }

    /**
     * The request as Bedrock gets it: a structured output (OpenAI's response_format) asked for with a tool, since
     * Converse has no such field.
     */
    private static ChatRequest asSent(ChatRequest request, JsonAnswerTool answerTool) {
        return answerTool == null ? request : answerTool.offeredIn(request);
    }

    /**
     * A whole answer may take the call timeout (caravan.bedrock.call-timeout-ms), but not past the request's deadline
     * (caravan.request.timeout-ms), as the HTTP providers' single answers.
     */
    private static ConverseRequest withinDeadline(ConverseRequest converse, CallContext call, Duration callTimeout) {
        long left = call.remainingMillis();
        if (callTimeout == null || left >= callTimeout.toMillis()) {
            return converse;
        }
        Duration limit = Duration.ofMillis(Math.max(1, left));
        return converse.toBuilder().overrideConfiguration(o -> o.apiCallTimeout(limit)).build();
    }

    /**
     * Streaming: starts ConverseStream and waits for its first event, so that a stream which fails at once is a
     * failure of this step (fallback still possible); then hands the stream to {@code call.streaming} and returns it.
     * A stream that ends before Bedrock's usage came is taken to have used the prompt the budget hold counted
     * ({@link PromptEstimate}, the request as the caller sent it, on this target).
     */
    public UpstreamStream openStream(Exchange exchange) {
        CallContext call = callOf(exchange);
        JsonAnswerTool answerTool = answerTool(call);
        ChatRequest request = asSent(call.request(), answerTool);
        ToolNameMap toolNames = ToolNameMap.of(request);
        ChatRequest asked = call.request();
        Target target = call.current();
        BedrockConverseStream stream;
        try {
            stream = BedrockConverseStream.start(clients.get().async(),
                    codec.converseStreamRequest(request, target, toolNames),
                    codec.newStreamDecoder(request, target, toolNames,
                            answerTool == null ? null : answerTool.events()),
                    streamIdleTimeout, () -> PromptEstimate.tokens(asked, target));
        } catch (RuntimeException e) {
            throw BedrockErrors.map(e);
        }
        stream.awaitFirstEvent();
        call.streaming(stream);
        return stream;
    }

    /**
     * For Camel's own endpoint ({@code aws-bedrock:...?operation=converse&pojoRequest=true}): puts the Converse
     * request in the body. Follow the endpoint with {@link #answerFromEndpoint}.
     */
    public void requestForEndpoint(Exchange exchange) {
        CallContext call = callOf(exchange);
        JsonAnswerTool answerTool = answerTool(call);
        ChatRequest request = asSent(call.request(), answerTool);
        ToolNameMap toolNames = ToolNameMap.of(request);
        exchange.setProperty(TOOL_NAMES, toolNames);
        exchange.getMessage().setBody(codec.converseRequest(request, call.current(), toolNames));
    }

    /** Reads the answer Camel's aws-bedrock endpoint left in its headers and answers the call. */
    public void answerFromEndpoint(Exchange exchange) {
        CallContext call = callOf(exchange);
        ToolNameMap toolNames = exchange.getProperty(TOOL_NAMES, ToolNameMap.class);
        Object stopReason = exchange.getMessage().getHeader("CamelAwsBedrockConverseStopReason");
        ChatResponse answer = codec.decodeMessage(
                exchange.getMessage().getHeader("CamelAwsBedrockConverseOutputMessage", Message.class),
                stopReason == null ? null : stopReason.toString(),
                exchange.getMessage().getHeader("CamelAwsBedrockConverseUsage", TokenUsage.class),
                null, call.current().model(), toolNames == null ? new ToolNameMap() : toolNames);
        call.answered(asAsked(call, answerTool(call), answer));
    }

    /** Turns the failure a route caught (SDK exception from the endpoint) into the GatewayException it means. */
    public void rethrowMapped(Exchange exchange) {
        Exception caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (caught == null) {
            caught = exchange.getException();
        }
        if (caught == null) {
            throw new IllegalStateException("no caught exception on the exchange");
        }
        throw BedrockErrors.map(caught);
    }

    private static CallContext callOf(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call == null || call.request() == null || call.current() == null) {
            throw new IllegalStateException("the exchange carries no call with a request and a current target");
        }
        return call;
    }
}
