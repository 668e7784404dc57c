package dev.caravan.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.Usage;

/**
 * Anthropic's token counts as it reports them: uncached input, cache reads, cache writes (of which {@code cacheWrite1h}
 * were cached for an hour) and output are separate, and a stream reports them in pieces (message_start, then
 * message_delta) that are merged field by field.
 */
record AnthropicUsage(long input, long cacheRead, long cacheWrite, long cacheWrite1h, long output) {

    static final AnthropicUsage NONE = new AnthropicUsage(0, 0, 0, 0, 0);

    /** Reads a {@code usage} object; absent fields count as zero. */
    static AnthropicUsage from(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return NONE;
        }
        return new AnthropicUsage(usage.path("input_tokens").asLong(0),
                usage.path("cache_read_input_tokens").asLong(0),
                usage.path("cache_creation_input_tokens").asLong(0),
                usage.path("cache_creation").path("ephemeral_1h_input_tokens").asLong(0),
                usage.path("output_tokens").asLong(0));
    }

    /** Field-by-field maximum, so that a later event that omits a field never loses an earlier count. */
    AnthropicUsage merge(AnthropicUsage later) {
        return new AnthropicUsage(Math.max(input, later.input), Math.max(cacheRead, later.cacheRead),
                Math.max(cacheWrite, later.cacheWrite), Math.max(cacheWrite1h, later.cacheWrite1h),
                Math.max(output, later.output));
    }

    /** The canonical usage: the prompt count includes the cached tokens, read and written. */
    Usage toUsage() {
        return new Usage(input + cacheRead + cacheWrite, output, cacheRead, cacheWrite, 0, cacheWrite1h);
    }
}
