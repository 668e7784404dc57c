package dev.caravan.ledger;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * Budget counters in the store. Every change is atomic where the counters live (a conditional update in DynamoDB,
 * so gateway instances sharing it cannot together overshoot a limit; one lock in the embedded store, which one
 * process owns). Each operation is idempotent per
 * reservation id.
 */
public interface BudgetStore {

    /**
     * Reserves {@code amount} on every window, or on none.
     *
     * @return empty when reserved; else the first window without room for the amount (nothing is held then)
     */
    Optional<BudgetWindow> reserve(String reservationId, List<BudgetWindow> windows, BigDecimal amount);

    /** Turns a reservation into spend: releases {@code reserved} and adds {@code actual}. A second call does nothing. */
    void settle(String reservationId, List<BudgetWindow> windows, BigDecimal reserved, BigDecimal actual);

    /** Gives a reservation back without spend. A second call, or one after settle, does nothing. */
    default void release(String reservationId, List<BudgetWindow> windows, BigDecimal reserved) {
        settle(reservationId, windows, reserved, BigDecimal.ZERO);
    }

    BudgetState state(String scope, String periodKey);
}
