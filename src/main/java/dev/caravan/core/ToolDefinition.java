package dev.caravan.core;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A function the caller offers the model; {@code parameters} is its JSON Schema. {@code cache}: the caller's prompt
 * caching breakpoint on it (the tools up to this one may be cached), or null.
 */
public record ToolDefinition(String name, String description, JsonNode parameters, CacheBreakpoint cache) {

    public ToolDefinition(String name, String description, JsonNode parameters) {
        this(name, description, parameters, null);
    }
}
