package dev.caravan.ledger;

import java.math.BigDecimal;
import java.util.List;

/**
 * Money held on a request's budgets while its call runs: settle it with the real cost after the call, or
 * release it when the call failed. Keep it in the exchange (property {@code budgetReservation}).
 */
public record BudgetReservation(String requestId, List<BudgetWindow> windows, BigDecimal amount) {

    public static final String PROPERTY = "budgetReservation";

    public BudgetReservation {
        windows = List.copyOf(windows);
    }

    /** True when no budget applied, so there is nothing to settle. */
    public boolean isEmpty() {
        return windows.isEmpty();
    }
}
