package dev.caravan.ledger;

import java.math.BigDecimal;

/** Spend counted under one scope over one period; {@code unreported} counts records whose usage never came. */
public record Counter(String scope, String period, BigDecimal cost, long requests, long promptTokens,
                      long completionTokens, long unreported) {

    public static Counter empty(String scope, String period) {
        return new Counter(scope, period, BigDecimal.ZERO, 0, 0, 0, 0);
    }
}
