package dev.caravan.pricing;

import dev.caravan.core.Usage;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** A model's price in USD per million tokens, and the largest answer it gives when asked for none. */
public record Price(BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite, BigDecimal output,
                   Integer maxOutputTokens) {

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    /** Costs keep 10 decimal places of a dollar: exact for any token count at any listed price. */
    public static final int COST_SCALE = 10;

    public static final Price FREE = new Price(BigDecimal.ZERO, null, null, BigDecimal.ZERO, null);

    /** The exact cost of {@code usage}: uncached, cache-read, cache-written and output tokens each at their price. */
    public BigDecimal cost(Usage usage) {
        long cacheRead = usage.cacheReadTokens();
        long cacheWritten = usage.cacheWriteTokens();
        long uncached = Math.max(0, usage.promptTokens() - cacheRead - cacheWritten);
        BigDecimal micro = input.multiply(BigDecimal.valueOf(uncached))
                .add(orElse(cachedInput, input).multiply(BigDecimal.valueOf(cacheRead)))
                .add(orElse(cacheWrite, input).multiply(BigDecimal.valueOf(cacheWritten)))
                .add(output.multiply(BigDecimal.valueOf(usage.completionTokens())));
        return micro.divide(MILLION, COST_SCALE, RoundingMode.HALF_UP).stripTrailingZeros();
    }

    private static BigDecimal orElse(BigDecimal value, BigDecimal fallback) {
        return value == null ? fallback : value;
    }
}
