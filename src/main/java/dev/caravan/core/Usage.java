package dev.caravan.core;

/**
 * One canonical token count per answer, whatever the provider called it.
 * {@code promptTokens} includes cached tokens (read and written); the cached counts say how many of them were cached.
 */
public record Usage(long promptTokens, long completionTokens, long cacheReadTokens, long cacheWriteTokens,
                    long reasoningTokens) {

    public static final Usage NONE = new Usage(0, 0, 0, 0, 0);

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
                Math.max(reasoningTokens, later.reasoningTokens));
    }
}
