package dev.caravan.auth;

import java.math.BigDecimal;

/** A key's own spending limits in USD per UTC day and month; null means no limit of that period. */
public record KeyBudgets(BigDecimal daily, BigDecimal monthly) {

    public static final KeyBudgets NONE = new KeyBudgets(null, null);

    public KeyBudgets {
        daily = canonical(daily);
        monthly = canonical(monthly);
    }

    /** One spelling per amount (20, not 20.00 or 2E+1), so stored and read budgets compare equal. */
    private static BigDecimal canonical(BigDecimal amount) {
        if (amount == null) {
            return null;
        }
        BigDecimal stripped = amount.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }

    public boolean any() {
        return daily != null || monthly != null;
    }
}
