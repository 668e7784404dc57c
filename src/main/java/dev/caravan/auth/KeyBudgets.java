package dev.caravan.auth;

import java.math.BigDecimal;

/** A key's own spending limits in USD per UTC day and month; null means no limit of that period. */
public record KeyBudgets(BigDecimal daily, BigDecimal monthly) {

    public static final KeyBudgets NONE = new KeyBudgets(null, null);

    public boolean any() {
        return daily != null || monthly != null;
    }
}
