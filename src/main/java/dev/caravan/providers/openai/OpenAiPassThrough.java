package dev.caravan.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.api.Json;

import java.util.List;

/**
 * What an OpenAI answer carries that Caravan does not model but hands on (the caller asked for it in fields forwarded
 * as sent): the choice's {@code logprobs}, the message's (or a streamed chunk's delta's) {@code annotations} (URL
 * citations) and {@code audio}. Read as a partial choice that shares the parsed nodes; an answer or chunk without them
 * (the usual one) gets null, no new node.
 */
final class OpenAiPassThrough {

    private static final List<String> MESSAGE_FIELDS = List.of("annotations", "audio");

    private OpenAiPassThrough() {
    }

    /** From a {@code chat.completion}'s choice and its message; null when there is nothing to pass on. */
    static ObjectNode ofAnswer(JsonNode choice, JsonNode message) {
        return of(choice, message, "message");
    }

    /** From a {@code chat.completion.chunk}'s choice and its delta; null when there is nothing to pass on. */
    static ObjectNode ofChunk(JsonNode choice) {
        return of(choice, choice.path("delta"), "delta");
    }

    /** The choice's logprobs, and the message fields of {@code message}, which the choice holds as {@code name}. */
    private static ObjectNode of(JsonNode choice, JsonNode message, String name) {
        ObjectNode partial = null;
        JsonNode logprobs = choice.get("logprobs");
        if (present(logprobs)) {
            partial = Json.MAPPER.createObjectNode();
            partial.set("logprobs", logprobs);
        }
        for (String field : MESSAGE_FIELDS) {
            JsonNode value = message.get(field);
            if (present(value)) {
                partial = partial == null ? Json.MAPPER.createObjectNode() : partial;
                partial.withObjectProperty(name).set(field, value);
            }
        }
        return partial;
    }

    /** Present and saying something: not missing, not null, not an empty list (OpenAI sends annotations: []). */
    private static boolean present(JsonNode value) {
        return value != null && !value.isNull() && !(value.isArray() && value.isEmpty());
    }
}
