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

    /**
     * Counts {@code actual} as spend on windows that hold nothing of the reservation: their budgets were added while
     * its call ran. A window with no counter yet starts from the cost records first. A second call does nothing.
     */
    void countUnheld(String reservationId, List<BudgetWindow> windows, BigDecimal actual);

    /** Gives a reservation back without spend. A second call, or one after settle, does nothing. */
    default void release(String reservationId, List<BudgetWindow> windows, BigDecimal reserved) {
        settle(reservationId, windows, reserved, BigDecimal.ZERO);
    }

    BudgetState state(String scope, String periodKey);

    /**
     * Raises the window's spend to what its scope's cost records count for its period, when they count more: spend
     * made while its budget did not apply (removed, then added again) is the records', never more than they count. A
     * window with no counter yet is left to start from the records at its first use.
     *
     * @return false when the counter kept changing under it (try again later)
     */
    boolean catchUp(BudgetWindow window);
}
