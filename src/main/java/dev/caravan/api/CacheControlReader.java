package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.CacheBreakpoint;
import dev.caravan.core.GatewayException;

/**
 * Reads the {@code cache_control} markers of one OpenAI-shaped request (LiteLLM's convention for Anthropic's prompt
 * caching: on a content part, a message or a tool); {@link SentBreakpoints} checks the breakpoints they make.
 */
final class CacheControlReader {

    private boolean any;

    /** The breakpoint {@code owner} carries, or null; {@code path} names the owner in errors. */
    CacheBreakpoint read(JsonNode owner, String path) {
        JsonNode marker = owner.get("cache_control");
        if (marker == null || marker.isNull()) {
            return null;
        }
        String at = path + ".cache_control";
        if (!marker.isObject()) {
            throw GatewayException.invalidRequest(at, "'" + at + "' must be an object: {\"type\": \"ephemeral\"}, "
                    + "optionally with \"ttl\": \"5m\" or \"1h\"");
        }
        marker.fieldNames().forEachRemaining(field -> {
            if (!"type".equals(field) && !"ttl".equals(field)) {
                throw GatewayException.invalidRequest(at + "." + field, "'" + at + "' has unknown field '" + field
                        + "'; it takes type and ttl");
            }
        });
        if (!"ephemeral".equals(marker.path("type").asText(null))) {
            throw GatewayException.invalidRequest(at + ".type", "'" + at + ".type' must be \"ephemeral\"");
        }
        JsonNode ttl = marker.get("ttl");
        boolean noTtl = ttl == null || ttl.isNull();
        if (!noTtl && !("5m".equals(ttl.asText(null)) || "1h".equals(ttl.asText(null)))) {
            throw GatewayException.invalidRequest(at + ".ttl", "'" + at + ".ttl' must be \"5m\" or \"1h\"");
        }
        any = true;
        return noTtl ? CacheBreakpoint.DEFAULT : new CacheBreakpoint(ttl.asText());
    }

    /** Some marker was read. */
    boolean any() {
        return any;
    }
}
