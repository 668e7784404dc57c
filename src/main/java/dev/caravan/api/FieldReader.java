package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.GatewayException;

import java.util.ArrayList;
import java.util.List;

/** Typed, validating reads of request fields; every failure is a 400 that names the field. */
final class FieldReader {

    private FieldReader() {
    }

    static String requiredString(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw GatewayException.invalidRequest(path, "Missing required parameter: '" + path + "'");
        }
        if (!node.isTextual()) {
            throw GatewayException.invalidRequest(path, "'" + path + "' must be a string");
        }
        if (node.asText().isBlank()) {
            throw GatewayException.invalidRequest(path, "'" + path + "' must not be empty");
        }
        return node.asText();
    }

    static String optionalString(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw GatewayException.invalidRequest(path, "'" + path + "' must be a string");
        }
        return node.asText();
    }

    static Integer positiveInt(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw GatewayException.invalidRequest(field, "'" + field + "' must be an integer");
        }
        if (node.asInt() <= 0) {
            throw GatewayException.invalidRequest(field, "'" + field + "' must be at least 1, got " + node.asInt());
        }
        return node.asInt();
    }

    static Double number(JsonNode parent, String field, double min, double max) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber()) {
            throw GatewayException.invalidRequest(field, "'" + field + "' must be a number");
        }
        double value = node.asDouble();
        if (value < min || value > max) {
            throw GatewayException.invalidRequest(field, "'" + field + "' must be between " + min + " and " + max
                    + ", got " + node.asText());
        }
        return value;
    }

    /** An optional string that must be one of {@code values}. */
    static String oneOf(JsonNode parent, String field, List<String> values) {
        String value = optionalString(parent, field, field);
        if (value != null && !values.contains(value)) {
            throw GatewayException.invalidRequest(field, "'" + field + "' must be one of "
                    + String.join(", ", values) + "; got '" + value + "'");
        }
        return value;
    }

    static boolean bool(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw GatewayException.invalidRequest(path, "'" + path + "' must be a boolean");
        }
        return node.asBoolean();
    }

    static JsonNode nonEmptyArray(JsonNode parent, String field) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw GatewayException.invalidRequest(field, "Missing required parameter: '" + field + "'");
        }
        if (!node.isArray()) {
            throw GatewayException.invalidRequest(field, "'" + field + "' must be an array");
        }
        if (node.isEmpty()) {
            throw GatewayException.invalidRequest(field, "'" + field + "' must contain at least one message");
        }
        return node;
    }

    /** OpenAI's {@code stop}: a string or up to four strings. */
    static List<String> stop(JsonNode parent) {
        JsonNode node = parent.get("stop");
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isTextual()) {
            out.add(node.asText());
            return out;
        }
        if (!node.isArray() || node.size() > 4) {
            throw GatewayException.invalidRequest("stop", "'stop' must be a string or an array of up to 4 strings");
        }
        for (JsonNode s : node) {
            if (!s.isTextual()) {
                throw GatewayException.invalidRequest("stop", "'stop' must contain only strings");
            }
            out.add(s.asText());
        }
        return out;
    }
}
