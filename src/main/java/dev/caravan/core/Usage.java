package dev.caravan.core;

/**
 * One canonical token count per answer, whatever the provider called it.
 * {@code promptTokens} includes cached tokens (read and written); the cached counts say how many of them were cached.
 * {@code cacheWrite1hTokens} are those of {@code cacheWriteTokens} cached for an hour, which cost more to write.
 */
public record Usage(long promptTokens, long completionTokens, long cacheReadTokens, long cacheWriteTokens,
                    long reasoningTokens, long cacheWrite1hTokens) {

    public static final Usage NONE = new Usage(0, 0, 0, 0, 0);

    /** Usage without hour-long cache writes. */
    public Usage(long promptTokens, long completionTokens, long cacheReadTokens, long cacheWriteTokens,
                 long reasoningTokens) {
        this(promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens, 0);
    }

    public static Usage of(long promptTokens, long completionTokens) {
        return new Usage(promptTokens, completionTokens, 0, 0, 0);
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }

    /** Field-by-field maximum: stream events report partial counts that only ever grow. */
    public Usage merge(Usage later) {
        if (later == null) {
            return this;
        }
        return new Usage(Math.max(promptTokens, later.promptTokens), Math.max(completionTokens, later.completionTokens),
                Math.max(cacheReadTokens, later.cacheReadTokens), Math.max(cacheWriteTokens, later.cacheWriteTokens),
                Math.max(reasoningTokens, later.reasoningTokens), Math.max(cacheWrite1hTokens, later.cacheWrite1hTokens));
    }
}
