package dev.caravan.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A function call the model asked for; {@code arguments} is the JSON text of the arguments. */
public record ToolCall(String id, String name, String arguments) {

    /** Text after the object (a stray brace, a second object) makes it no JSON object: it is not cut to the first. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * The arguments as a JSON object, as Anthropic and Bedrock take them (none: an empty one). Text that is no JSON
     * object (a model may write such, as OpenAI warns) is the caller's 400: never guessed at, never sent as {}.
     */
    public ObjectNode argumentsObject() {
        ObjectNode object = parsed();
        if (object == null) {
            throw argumentsNotAnObject();
        }
        return object;
    }

    /** The 400 for arguments that are no JSON object, naming this call. */
    public GatewayException argumentsNotAnObject() {
        return GatewayException.invalidRequest("messages", "The arguments of tool call '" + id + "' in the messages "
                + "are not a JSON object, and Anthropic and Bedrock take a tool call's arguments only as one. Correct "
                + "them in the history, or use a model served by OpenAI.");
    }

    /** Whether the arguments are a JSON object, or none. */
    public boolean argumentsAreAnObject() {
        return parsed() != null;
    }

    private ObjectNode parsed() {
        if (arguments == null || arguments.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode parsed = JSON.readTree(arguments);
            return parsed instanceof ObjectNode object ? object : null;
        } catch (JsonProcessingException notJson) {
            return null;
        }
    }
}
