package dev.caravan.ledger;

/**
 * How many output tokens a stream cut short before its usage came may have cost. The provider bills what the model
 * generated until the gateway closed the call: at most what a model can generate in the time the request lasted,
 * reasoning tokens the caller never saw included, and at most the request's output allowance. A reasoning model that
 * thought for ten seconds before a client left is charged ten seconds of output, not its whole allowance.
 */
final class CutShortOutput {

    private CutShortOutput() {
    }

    /**
     * @param elapsedNanos    from the request's arrival to the stream's end
     * @param tokensPerSecond the fastest the model generates (its catalog entry's outputTokensPerSecond, else
     *                        caravan.ledger.cut-stream-tokens-per-second)
     * @param allowance       the request's max_tokens, or the model's maxOutputTokens
     * @param reported        output tokens the provider reported before the cut (a floor)
     */
    static long tokens(long elapsedNanos, int tokensPerSecond, long allowance, long reported) {
        long byTime = (long) Math.ceil(Math.max(0, elapsedNanos) / 1e9 * tokensPerSecond);
        return Math.max(1, Math.max(reported, Math.min(allowance, byTime)));
    }
}
