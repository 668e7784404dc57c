package dev.caravan.providers;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.JsonAnswerTool;

/** Where an HTTP provider's calls meet {@link JsonAnswerTool}: only for a provider without structured outputs. */
public final class JsonAnswers {

    private JsonAnswers() {
    }

    /** The answer's tool for {@code request} to {@code upstreamModel} when {@code codec} needs one, else null. */
    public static JsonAnswerTool tool(HttpProviderCodec codec, ChatRequest request, String upstreamModel) {
        return codec.answerTool(request, upstreamModel);
    }

    /** A fresh decoder for one of {@code request}'s streamed answers from {@code upstreamModel} on {@code codec}. */
    public static StreamDecoder streamDecoder(HttpProviderCodec codec, ChatRequest request, String upstreamModel) {
        if (request == null) {
            return codec.newStreamDecoder();
        }
        JsonAnswerTool answerTool = tool(codec, request, upstreamModel);
        StreamDecoder decoder = codec.newStreamDecoder(request);
        return answerTool == null ? decoder : StreamDecoder.then(decoder, answerTool.events()::apply);
    }
}
