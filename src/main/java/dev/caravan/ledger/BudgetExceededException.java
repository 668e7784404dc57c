package dev.caravan.ledger;

import dev.caravan.core.GatewayException;

import java.time.Duration;
import java.time.Instant;

/** A call that would take a budget over its limit: the API answers 429 {@code budget_exceeded}. */
public class BudgetExceededException extends GatewayException {

    private final transient BudgetWindow budget;

    public BudgetExceededException(BudgetWindow budget, Instant now) {
        super(429, "budget_exceeded", "budget_exceeded", null,
                "The " + budget + " is used up; it resets at " + budget.resetsAt(), false,
                Math.max(0, Duration.between(now, budget.resetsAt()).toMillis()));
        this.budget = budget;
    }

    /** Which budget: scope ({@code global}, {@code user:alice}, ...), period and limit. */
    public BudgetWindow budget() {
        return budget;
    }

    public Instant resetsAt() {
        return budget.resetsAt();
    }
}
