package dev.caravan.ledger;

import java.math.BigDecimal;

/** One row of a spend answer: a day, model, provider, user or application, and what it spent. */
public record SpendRow(String group, BigDecimal cost, long requests, long promptTokens, long completionTokens,
                       long unreported) {

    SpendRow plus(Counter counter) {
        return new SpendRow(group, cost.add(counter.cost()), requests + counter.requests(),
                promptTokens + counter.promptTokens(), completionTokens + counter.completionTokens(),
                unreported + counter.unreported());
    }

    static SpendRow empty(String group) {
        return new SpendRow(group, BigDecimal.ZERO, 0, 0, 0, 0);
    }
}
