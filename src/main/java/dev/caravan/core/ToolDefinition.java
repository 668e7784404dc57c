package dev.caravan.core;

import com.fasterxml.jackson.databind.JsonNode;

/** A function the caller offers the model; {@code parameters} is its JSON Schema. */
public record ToolDefinition(String name, String description, JsonNode parameters) {
}
