package dev.caravan.core;

/**
 * A prompt-caching breakpoint the caller put on a content part, a message or a tool: the prompt up to and including
 * it may be cached by a provider that caches on request (Anthropic, Claude and Nova on Bedrock). {@code ttl} is "5m",
 * "1h", or null for the provider's default.
 */
public record CacheBreakpoint(String ttl) {

    public static final CacheBreakpoint DEFAULT = new CacheBreakpoint(null);

    /** The prefix is kept for an hour, which providers price higher than the default five minutes. */
    public boolean oneHour() {
        return "1h".equals(ttl);
    }
}
