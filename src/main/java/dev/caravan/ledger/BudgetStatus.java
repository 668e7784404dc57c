package dev.caravan.ledger;

import java.math.BigDecimal;
import java.time.Instant;

/** One budget as {@code GET /v1/budgets} shows it. */
public record BudgetStatus(String scope, String period, String periodKey, BigDecimal limit, BigDecimal spent,
                           BigDecimal reserved, Instant resetsAt) {

    public BigDecimal remaining() {
        return limit.subtract(spent).subtract(reserved).max(BigDecimal.ZERO);
    }
}
