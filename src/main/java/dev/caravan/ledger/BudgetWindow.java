package dev.caravan.ledger;

import java.math.BigDecimal;
import java.time.Instant;

/** One budget as it applies now: a scope's limit over one UTC period, and when that period ends. */
public record BudgetWindow(String scope, Period period, String periodKey, BigDecimal limit, Instant resetsAt) {

    public static BudgetWindow at(String scope, Period period, BigDecimal limit, Instant now) {
        return new BudgetWindow(scope, period, period.key(now), limit, period.resetsAt(now));
    }

    @Override
    public String toString() {
        return scope + " " + period.adjective() + " budget of " + limit.toPlainString() + " USD";
    }
}
