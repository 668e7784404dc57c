package dev.caravan.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.GatewayException;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The one ObjectMapper of the gateway, and reading a request body as a JSON object. */
public final class Json {

    /**
     * A JSON object with a key twice is refused wherever it is in the tree (FAIL_ON_READING_DUP_TREE_KEY, checked as
     * the tree is built at no cost). The parser's own check (STRICT_DUPLICATE_DETECTION) would do the same again with
     * a set of the names of every object read: every request and every provider answer.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    /** How Jackson's message for a key read twice begins (FAIL_ON_READING_DUP_TREE_KEY). */
    private static final String DUPLICATE = "Duplicate field '";

    private Json() {
    }

    /** The body as a JSON object, or a 400 {@code invalid_json} error. */
    public static ObjectNode readObject(byte[] body) {
        if (body == null || body.length == 0) {
            throw new GatewayException(400, "invalid_request_error", "invalid_json", null,
                    "The request body is empty; send a JSON object", false, 0);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (IOException e) {
            throw new GatewayException(400, "invalid_request_error", "invalid_json", null,
                    "The request body is not valid JSON: " + firstLine(e.getMessage()), false, 0);
        }
        if (node == null || !node.isObject()) {
            throw new GatewayException(400, "invalid_request_error", "invalid_json", null,
                    "The request body must be a JSON object", false, 0);
        }
        return (ObjectNode) node;
    }

    public static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("JSON cannot be written", e);
        }
    }

    /**
     * {@code node} as an HTTP response body. A {@link ByteBuffer} goes to Vert.x as one write with its
     * Content-Length; a {@code byte[]} would be converted to an InputStream and pumped through worker threads.
     */
    public static ByteBuffer responseBody(JsonNode node) {
        return ByteBuffer.wrap(write(node));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        // Jackson names its feature in this one; the caller needs the key.
        int end = line.startsWith(DUPLICATE) ? line.indexOf('\'', DUPLICATE.length()) : -1;
        return end < 0 ? line : "the key '" + line.substring(DUPLICATE.length(), end) + "' appears twice in one object";
    }
}
