package dev.caravan.providers;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.JsonAnswerTool;
import dev.caravan.core.StreamEvent;
import dev.caravan.streaming.SseEvent;

import java.util.List;

/** Where an HTTP provider's calls meet {@link JsonAnswerTool}: only for a provider without structured outputs. */
public final class JsonAnswers {

    private JsonAnswers() {
    }

    /** The answer's tool for {@code request} when {@code codec}'s provider needs one, else null. */
    public static JsonAnswerTool tool(HttpProviderCodec codec, ChatRequest request) {
        return codec.answersJsonByTool() ? JsonAnswerTool.of(request) : null;
    }

    /** A fresh decoder for one of {@code request}'s streamed answers from {@code codec}'s provider. */
    public static StreamDecoder streamDecoder(HttpProviderCodec codec, ChatRequest request) {
        JsonAnswerTool answerTool = request == null ? null : tool(codec, request);
        StreamDecoder decoder = codec.newStreamDecoder();
        if (answerTool == null) {
            return decoder;
        }
        JsonAnswerTool.Events events = answerTool.events();
        return new StreamDecoder() {
            @Override
            public List<StreamEvent> decode(SseEvent event) {
                return events.apply(decoder.decode(event));
            }

            @Override
            public boolean finished() {
                return decoder.finished();
            }
        };
    }
}
