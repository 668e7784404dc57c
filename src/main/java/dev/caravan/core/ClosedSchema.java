package dev.caravan.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A JSON schema whose objects take no properties but those they name: Anthropic's output format (and Bedrock's, for
 * Claude) takes an object schema only with {@code additionalProperties: false}, where OpenAI takes it unsaid outside
 * strict mode. Each object schema that says nothing of it is closed; one that says otherwise is left as written (the
 * provider's 400 names it).
 */
public final class ClosedSchema {

    private ClosedSchema() {
    }

    /** A copy of {@code schema} with every object schema that says nothing of {@code additionalProperties} closed. */
    public static JsonNode of(JsonNode schema) {
        JsonNode copy = schema.deepCopy();
        close(copy);
        return copy;
    }

    private static void close(JsonNode node) {
        if (node == null || !node.isObject()) {
            return;
        }
        ObjectNode schema = (ObjectNode) node;
        if (("object".equals(schema.path("type").asText()) || schema.has("properties"))
                && !schema.has("additionalProperties")) {
            schema.put("additionalProperties", false);
        }
        for (String key : new String[] {"properties", "$defs", "definitions"}) {
            schema.path(key).forEach(ClosedSchema::close);
        }
        for (String key : new String[] {"anyOf", "allOf", "oneOf", "prefixItems"}) {
            schema.path(key).forEach(ClosedSchema::close);
        }
        close(schema.get("items"));
    }
}
