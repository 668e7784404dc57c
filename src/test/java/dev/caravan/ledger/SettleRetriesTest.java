package dev.caravan.ledger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * During a store outage every budgeted request's hold fails, and each such hold is released later, in case its write
 * landed: those releases are bounded on their own and never take the place of a settlement of a call that held.
 */
class SettleRetriesTest {

    /** Nothing is tried again within a test: what waits is what was accepted. */
    private final SettleRetries retries = new SettleRetries(Duration.ofHours(1), Duration.ofHours(1),
            Clock.systemUTC(), () -> { });

    @AfterEach
    void close() {
        retries.close(Duration.ZERO);
    }

    private static BudgetReservation reservation(String requestId) {
        return new BudgetReservation(requestId, List.of(), BigDecimal.ONE, null);
    }

    @Test
    void releasesOfFailedHoldsAreBoundedApartAndLeaveRoomForSettlements() {
        Runnable storeDown = () -> {
            throw new IllegalStateException("the store cannot be reached");
        };
        for (int i = 0; i < SettleRetries.MAX_WAITING + 10; i++) {
            retries.releaseDoubtful(reservation("failed-hold-" + i), storeDown);
        }
        assertEquals(SettleRetries.MAX_DOUBTFUL, retries.waiting(), "releases of failed holds are bounded");

        for (int i = 0; i < SettleRetries.MAX_WAITING; i++) {
            retries.retry(reservation("held-" + i), "settle", storeDown);
        }

        assertTrue(retries.waitsFor("held-" + (SettleRetries.MAX_WAITING - 1)),
                "the settlements of calls that held all wait, however many failed holds wait beside them");
        assertEquals(SettleRetries.MAX_DOUBTFUL + SettleRetries.MAX_WAITING, retries.waiting());
    }
}
