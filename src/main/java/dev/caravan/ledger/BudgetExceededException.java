package dev.caravan.ledger;

import dev.caravan.core.GatewayException;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/** A call that would take a budget over its limit: the API answers 429 {@code budget_exceeded}. */
public class BudgetExceededException extends GatewayException {

    private final transient BudgetWindow budget;

    /**
     * {@code worstCase}: what the request would have held. The budget need not be used up: one request whose
     * allowance costs more than is left (or than the whole limit) is refused too, and the message says so.
     */
    public BudgetExceededException(BudgetWindow budget, BigDecimal worstCase, Instant now) {
        super(429, "budget_exceeded", "budget_exceeded", null,
                "The " + budget + " has too little left for this request's worst-case cost of "
                        + worstCase.stripTrailingZeros().toPlainString() + " USD (a lower max_tokens holds less); it "
                        + "resets at " + budget.resetsAt(), false,
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
