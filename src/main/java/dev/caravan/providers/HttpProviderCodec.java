package dev.caravan.providers;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.GatewayException;
import dev.caravan.core.JsonAnswerTool;

import java.util.function.Function;

/**
 * Translation between Caravan's normalized model and one HTTP provider's wire format. Pure: no I/O, no state
 * beyond configuration, so every method is tested from recorded wire samples alone.
 */
public interface HttpProviderCodec {

    /** The provider's name as used in model names and routes ({@code openai}, {@code anthropic}). */
    String provider();

    /** The JSON body to send upstream for {@code request}, naming {@code upstreamModel}. */
    byte[] encodeRequest(ChatRequest request, String upstreamModel);

    /** A successful (2xx) non-streaming answer. */
    ChatResponse decodeResponse(byte[] body);

    /**
     * An error answer (status >= 400) as the exception the caller or the fallback chain acts on.
     * {@code header} looks up a response header by lower-case name (null when absent).
     */
    GatewayException decodeError(int status, byte[] body, Function<String, String> header);

    /** A fresh decoder for one streamed answer. */
    StreamDecoder newStreamDecoder();

    /** A fresh decoder for one of {@code request}'s streamed answers, with what the request asks of it applied. */
    default StreamDecoder newStreamDecoder(ChatRequest request) {
        return newStreamDecoder();
    }

    /**
     * {@code answer} as {@code request} asked for it, where the provider could not be sent all of the request (an
     * Anthropic answer cut at a stop sequence Anthropic refuses); as it is by default.
     */
    default ChatResponse answerFor(ChatRequest request, ChatResponse answer) {
        return answer;
    }

    /**
     * The tool {@code request}'s structured output is asked of {@code upstreamModel} with ({@link JsonAnswerTool}), for
     * a provider without {@code response_format}; null when the request's own field is sent as it came, or the codec
     * sends the schema in a field of the provider's own.
     */
    default JsonAnswerTool answerTool(ChatRequest request, String upstreamModel) {
        return null;
    }
}
