package dev.caravan.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Money held on a request's budgets while its call runs: settle it with the real cost after the call, or
 * release it when the call failed. Keep it in the exchange (property {@code budgetReservation}).
 */
public record BudgetReservation(String requestId, List<BudgetWindow> windows, BigDecimal amount, Payer payer) {

    public static final String PROPERTY = "budgetReservation";

    public BudgetReservation {
        windows = List.copyOf(windows);
    }

    /** True when no budget applied, so there is nothing held (a budget added while its call runs may still count it). */
    public boolean isEmpty() {
        return windows.isEmpty();
    }

    /**
     * Whom the reservation was made for, when, and under which limits: what settling it needs to find the budgets
     * added while its call ran.
     */
    public record Payer(String application, String userId, String keyId, Map<Period, BigDecimal> keyLimits,
                        Instant at, BudgetConfig limits) {
    }
}
