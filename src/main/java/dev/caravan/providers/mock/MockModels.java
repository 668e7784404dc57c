package dev.caravan.providers.mock;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;
import dev.caravan.core.Usage;

import java.util.ArrayList;
import java.util.List;

/**
 * The built-in models, deterministic to the token. A token is a whitespace-separated word: the prompt's tokens
 * are all message texts' words, the answer's are its words.
 * <ul>
 * <li>{@code mock-echo}: answers with the last user message.</li>
 * <li>{@code mock-stream}: answers with {@code tokens} words ("token1 token2 ..."), at most max_tokens.</li>
 * <li>{@code mock-unavailable}: always fails as an unavailable upstream would (503), to try fallback chains.</li>
 * </ul>
 */
public final class MockModels {

    private final int streamTokens;

    public MockModels(int streamTokens) {
        this.streamTokens = streamTokens;
    }

    /** The answer's words, each but the first with its leading space, and why it stopped. */
    public Answer answer(ChatRequest request, String model) {
        switch (model) {
            case "mock-echo": {
                List<String> words = pieces(request.lastUserText());
                return new Answer(words, "stop", usage(request, words));
            }
            case "mock-stream": {
                int limit = request.maxTokens() == null ? streamTokens : Math.min(streamTokens, request.maxTokens());
                List<String> words = new ArrayList<>(limit);
                for (int i = 1; i <= limit; i++) {
                    words.add(i == 1 ? "token1" : " token" + i);
                }
                return new Answer(words, limit < streamTokens ? "length" : "stop", usage(request, words));
            }
            case "mock-unavailable":
                throw new GatewayException(503, "upstream_error", "upstream_unavailable", null,
                        "mock: mock-unavailable is always unavailable", true, 0);
            default:
                throw GatewayException.notFound("model_not_found", "The model 'mock/" + model + "' does not exist; "
                        + "the mock provider serves mock-echo, mock-stream and mock-unavailable");
        }
    }

    private static Usage usage(ChatRequest request, List<String> answer) {
        long prompt = 0;
        for (ChatMessage message : request.messages()) {
            prompt += count(message.text());
        }
        return Usage.of(prompt, answer.size());
    }

    static long count(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    }

    private static List<String> pieces(String text) {
        String[] words = text.strip().split("\\s+");
        List<String> out = new ArrayList<>(words.length);
        for (String word : words) {
            if (!word.isEmpty()) {
                out.add(out.isEmpty() ? word : " " + word);
            }
        }
        return out;
    }

    /** A mock answer: its pieces (joined, the text), finish reason and usage. */
    public record Answer(List<String> pieces, String finishReason, Usage usage) {

        public String text() {
            return String.join("", pieces);
        }
    }
}
