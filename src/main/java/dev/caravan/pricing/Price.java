package dev.caravan.pricing;

import dev.caravan.core.Usage;

import java.math.BigDecimal;

/**
 * A model's price in USD per million tokens, the largest answer it gives when asked for none, and the fastest it
 * generates (output tokens per second; null: the gateway's default), for what a stream cut short may have cost.
 * {@code cacheWrite1h} is the price of prompt tokens cached for an hour (Anthropic's costs more than its default five
 * minutes' {@code cacheWrite}); null: they cost {@code cacheWrite}.
 */
public record Price(BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite, BigDecimal cacheWrite1h,
                    BigDecimal output, Integer maxOutputTokens, Integer outputTokensPerSecond) {

    public Price(BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite, BigDecimal output,
                 Integer maxOutputTokens) {
        this(input, cachedInput, cacheWrite, null, output, maxOutputTokens, null);
    }

    /**
     * Decimal places of a dollar that hold every cost at a price with up to 4 decimal places. Costs are never
     * rounded: a price with more decimals (Nova Micro's 0.00875) gives a cost with more decimals.
     */
    public static final int COST_SCALE = 10;

    public static final Price FREE = new Price(BigDecimal.ZERO, null, null, BigDecimal.ZERO, null);

    /**
     * The exact cost of {@code usage}: uncached, cache-read, cache-written (for five minutes and for an hour) and output
     * tokens each at their price.
     */
    public BigDecimal cost(Usage usage) {
        long cacheRead = usage.cacheReadTokens();
        long cacheWritten = usage.cacheWriteTokens();
        long writtenForAnHour = Math.min(cacheWritten, usage.cacheWrite1hTokens());
        long uncached = Math.max(0, usage.promptTokens() - cacheRead - cacheWritten);
        BigDecimal writePrice = orElse(cacheWrite, input);
        BigDecimal micro = input.multiply(BigDecimal.valueOf(uncached))
                .add(output.multiply(BigDecimal.valueOf(usage.completionTokens())));
        // most answers have no cached tokens: their terms are left out rather than computed as zero
        micro = plus(micro, orElse(cachedInput, input), cacheRead);
        micro = plus(micro, writePrice, cacheWritten - writtenForAnHour);
        micro = plus(micro, orElse(cacheWrite1h, writePrice), writtenForAnHour);
        // Prices are per million tokens: dividing by 10^6 is a decimal point shift, exact at any scale.
        return micro.movePointLeft(6).stripTrailingZeros();
    }

    private static BigDecimal plus(BigDecimal sum, BigDecimal price, long tokens) {
        return tokens == 0 ? sum : sum.add(price.multiply(BigDecimal.valueOf(tokens)));
    }

    private static BigDecimal orElse(BigDecimal value, BigDecimal fallback) {
        return value == null ? fallback : value;
    }
}
