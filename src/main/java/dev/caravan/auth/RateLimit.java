package dev.caravan.auth;

/** A key's rate limits per minute; 0 means no limit. */
public record RateLimit(long requestsPerMinute, long tokensPerMinute) {

    public static final RateLimit NONE = new RateLimit(0, 0);

    public RateLimit {
        if (requestsPerMinute < 0 || tokensPerMinute < 0) {
            throw new IllegalArgumentException("rate limits cannot be negative");
        }
    }

    public boolean limited() {
        return requestsPerMinute > 0 || tokensPerMinute > 0;
    }
}
