package dev.caravan.ledger;

import dev.caravan.core.GatewayException;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/** A call that would take a budget over its limit: the API answers 429 {@code budget_exceeded}. */
public class BudgetExceededException extends GatewayException {

    private final transient BudgetWindow budget;
    private final boolean neverFits;

    /**
     * {@code worstCase}: what the request would have held. The budget need not be used up: one request whose
     * allowance costs more than is left is refused too, and the message says so. One that costs more than the whole
     * limit never fits: it gets no Retry-After, since waiting for the reset would not help, and tells the OpenAI and
     * Anthropic SDKs not to retry it.
     */
    public BudgetExceededException(BudgetWindow budget, BigDecimal worstCase, Instant now) {
        super(429, "budget_exceeded", "budget_exceeded", null, message(budget, worstCase), false,
                neverFits(budget, worstCase) ? 0 : Math.max(0, Duration.between(now, budget.resetsAt()).toMillis()));
        this.budget = budget;
        this.neverFits = neverFits(budget, worstCase);
    }

    /** False for a request that can never fit the budget; otherwise a retry may find holds given back. */
    @Override
    public Boolean shouldRetry() {
        return neverFits ? Boolean.FALSE : null;
    }

    private static boolean neverFits(BudgetWindow budget, BigDecimal worstCase) {
        return worstCase.compareTo(budget.limit()) > 0;
    }

    private static String message(BudgetWindow budget, BigDecimal worstCase) {
        String cost = worstCase.stripTrailingZeros().toPlainString();
        if (neverFits(budget, worstCase)) {
            return "This request's worst-case cost of " + cost + " USD is more than the whole " + budget
                    + " allows: it cannot fit even after the reset; set a lower max_tokens";
        }
        return "The " + budget + " has too little left for this request's worst-case cost of " + cost
                + " USD (a lower max_tokens holds less); it resets at " + budget.resetsAt();
    }

    /** Which budget: scope ({@code global}, {@code user:alice}, ...), period and limit. */
    public BudgetWindow budget() {
        return budget;
    }

    public Instant resetsAt() {
        return budget.resetsAt();
    }
}
