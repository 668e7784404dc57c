package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads and validates the simple {@code /ai/chat} request: {model, messages, maxTokens?, temperature?, stream?}. */
public final class SimpleChatParser {

    private static final Set<String> FIELDS = Set.of("model", "messages", "maxTokens", "temperature", "stream");
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");

    public ChatRequest parse(byte[] body) {
        ObjectNode root = Json.readObject(body);
        root.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                throw GatewayException.invalidRequest(field, "Unknown parameter '" + field + "'; /ai/chat accepts "
                        + "model, messages, maxTokens, temperature, stream");
            }
        });
        String model = FieldReader.requiredString(root, "model", "model");
        JsonNode array = FieldReader.nonEmptyArray(root, "messages");
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String path = "messages[" + i + "]";
            JsonNode node = array.get(i);
            if (!node.isObject()) {
                throw GatewayException.invalidRequest(path, "'" + path + "' must be an object");
            }
            String role = FieldReader.requiredString(node, "role", path + ".role");
            if (!ROLES.contains(role)) {
                throw GatewayException.invalidRequest(path + ".role", "'" + path + ".role' must be user, assistant "
                        + "or system; got '" + role + "'");
            }
            JsonNode content = node.get("content");
            if (content == null || !content.isTextual()) {
                throw GatewayException.invalidRequest(path + ".content", "'" + path + ".content' must be a string");
            }
            messages.add(ChatMessage.of(role, content.asText()));
        }
        return new ChatRequest(model, messages, FieldReader.positiveInt(root, "maxTokens"),
                FieldReader.number(root, "temperature", 0, 2), null, List.of(),
                FieldReader.bool(root, "stream", "stream"), true, List.of(), null, null, null);
    }
}
