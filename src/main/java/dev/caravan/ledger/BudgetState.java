package dev.caravan.ledger;

import java.math.BigDecimal;

/** What a budget's period has spent and holds reserved for calls still running. */
public record BudgetState(BigDecimal spent, BigDecimal reserved) {

    public static final BudgetState EMPTY = new BudgetState(BigDecimal.ZERO, BigDecimal.ZERO);
}
