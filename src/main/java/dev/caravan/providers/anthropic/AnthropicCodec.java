package dev.caravan.providers.anthropic;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.ForcedToolUse;
import dev.caravan.core.GatewayException;
import dev.caravan.core.JsonAnswerTool;
import dev.caravan.core.WhitespaceStops;
import dev.caravan.providers.HttpProviderCodec;
import dev.caravan.providers.StreamDecoder;

import java.util.function.Function;
import java.util.function.ToIntFunction;

/** Anthropic's Messages API ({@code POST /v1/messages}) in Caravan's normalized terms. */
public final class AnthropicCodec implements HttpProviderCodec {

    /** Thread-safe once configured; shared by every part of the codec. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AnthropicRequestEncoder requests;
    private final AnthropicResponseDecoder responses = new AnthropicResponseDecoder(JSON);
    private final AnthropicErrorMapper errors = new AnthropicErrorMapper(JSON);

    /** {@code defaultMaxTokens} gives the model's max_tokens when the caller sets none (Anthropic requires one). */
    public AnthropicCodec(ToIntFunction<String> defaultMaxTokens) {
        this.requests = new AnthropicRequestEncoder(JSON, defaultMaxTokens);
    }

    @Override
    public String provider() {
        return "anthropic";
    }

    @Override
    public byte[] encodeRequest(ChatRequest request, String upstreamModel) {
        return requests.encode(request, upstreamModel);
    }

    @Override
    public ChatResponse decodeResponse(byte[] body) {
        return responses.decode(body);
    }

    @Override
    public GatewayException decodeError(int status, byte[] body, Function<String, String> header) {
        return errors.fromHttp(status, body, header);
    }

    @Override
    public StreamDecoder newStreamDecoder() {
        return new AnthropicStreamDecoder(JSON, errors);
    }

    @Override
    public StreamDecoder newStreamDecoder(ChatRequest request) {
        WhitespaceStops stops = WhitespaceStops.of(request);
        return stops == null ? newStreamDecoder() : StreamDecoder.then(newStreamDecoder(), stops.events()::apply);
    }

    @Override
    public ChatResponse answerFor(ChatRequest request, ChatResponse answer) {
        WhitespaceStops stops = WhitespaceStops.of(request);
        return stops == null ? answer : stops.cut(answer);
    }

    /** A tool, but for the models that take no forced tool call: their output_config.format is the schema. */
    @Override
    public JsonAnswerTool answerTool(ChatRequest request, String upstreamModel) {
        return ForcedToolUse.answerTool(request, upstreamModel);
    }
}
