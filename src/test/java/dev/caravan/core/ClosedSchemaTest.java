package dev.caravan.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Object schemas that say nothing of additionalProperties are closed, at any depth; what a schema says is kept. */
class ClosedSchemaTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void closesEveryObjectThatSaysNothingAndKeepsWhatTheSchemaSays() throws Exception {
        JsonNode schema = JSON.readTree("{\"type\":\"object\",\"properties\":{"
                + "\"place\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}},"
                + "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"k\":{\"type\":\"string\"}}}},"
                + "\"either\":{\"anyOf\":[{\"type\":\"object\",\"properties\":{}},{\"type\":\"null\"}]},"
                + "\"open\":{\"type\":\"object\",\"additionalProperties\":true}},"
                + "\"$defs\":{\"point\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\"}}}}}");

        JsonNode closed = ClosedSchema.of(schema);

        assertEquals(JSON.readTree("{\"type\":\"object\",\"properties\":{"
                + "\"place\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                + "\"additionalProperties\":false},"
                + "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"k\":{\"type\":\"string\"}},"
                + "\"additionalProperties\":false}},"
                + "\"either\":{\"anyOf\":[{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false},"
                + "{\"type\":\"null\"}]},"
                + "\"open\":{\"type\":\"object\",\"additionalProperties\":true}},"
                + "\"$defs\":{\"point\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\"}},"
                + "\"additionalProperties\":false}},\"additionalProperties\":false}"), closed);
        assertEquals(JSON.readTree("{\"type\":\"object\",\"properties\":{\"place\":{\"type\":\"object\",\"properties\":"
                + "{\"city\":{\"type\":\"string\"}}}},\"$defs\":{\"point\":{\"type\":\"object\",\"properties\":"
                + "{\"x\":{\"type\":\"number\"}}}}}").path("properties").path("place"),
                schema.path("properties").path("place"), "the caller's schema is left as it was");
    }
}
