package dev.caravan.providers.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.core.SdkNumber;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.core.document.DocumentVisitor;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts between Jackson JSON and the AWS SDK's {@link Document}, which Converse uses for schemas and tool input. */
final class JsonDocuments {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonDocuments() {
    }

    static Document toDocument(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Document.fromNull();
        }
        if (node.isObject()) {
            Map<String, Document> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(field -> map.put(field.getKey(), toDocument(field.getValue())));
            return Document.fromMap(map);
        }
        if (node.isArray()) {
            List<Document> list = new ArrayList<>();
            node.forEach(item -> list.add(toDocument(item)));
            return Document.fromList(list);
        }
        if (node.isBoolean()) {
            return Document.fromBoolean(node.booleanValue());
        }
        if (node.isNumber()) {
            return Document.fromNumber(node.decimalValue());
        }
        return Document.fromString(node.asText());
    }

    static JsonNode toJson(Document document) {
        if (document == null) {
            return NODES.nullNode();
        }
        return document.accept(new DocumentVisitor<JsonNode>() {
            @Override
            public JsonNode visitNull() {
                return NODES.nullNode();
            }

            @Override
            public JsonNode visitBoolean(Boolean value) {
                return NODES.booleanNode(value);
            }

            @Override
            public JsonNode visitString(String value) {
                return NODES.textNode(value);
            }

            @Override
            public JsonNode visitNumber(SdkNumber value) {
                return NODES.numberNode(new BigDecimal(value.stringValue()));
            }

            @Override
            public JsonNode visitMap(Map<String, Document> value) {
                ObjectNode object = NODES.objectNode();
                value.forEach((key, item) -> object.set(key, toJson(item)));
                return object;
            }

            @Override
            public JsonNode visitList(List<Document> value) {
                ArrayNode array = NODES.arrayNode();
                value.forEach(item -> array.add(toJson(item)));
                return array;
            }
        });
    }

    static String toJsonText(Document document) {
        try {
            return JSON.writeValueAsString(toJson(document));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Document always renders as JSON", e);
        }
    }
}
