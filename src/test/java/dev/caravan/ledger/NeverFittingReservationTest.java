package dev.caravan.ledger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A request whose worst case is more than one of its budgets' whole limit can never fit, whatever the other budgets
 * have left: it is refused on that budget, without Retry-After, even when another budget is merely full until its
 * reset (waiting for that reset would only get it refused again).
 */
class NeverFittingReservationTest {

    @TempDir
    Path dataDir;
    private EmbeddedDatabase database;
    private BudgetLedger budgets;

    @BeforeEach
    void open() {
        database = new EmbeddedDatabase(dataDir);
        budgets = new BudgetLedger(BudgetConfig.parse("global: {daily: 1.00}\nusers: {alice: {daily: 0.10}}"),
                new EmbeddedBudgetStore(database), Clock.fixed(Instant.now(), ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void aRequestOverItsUsersWholeLimitIsRefusedOnThatBudgetWithoutRetryAfterWhileTheGlobalOneIsFull() {
        budgets.reserve("bobs-call", "notebook", "bob", null, new BigDecimal("0.95")); // the global day is nearly full

        BudgetExceededException refused = assertThrows(BudgetExceededException.class,
                () -> budgets.reserve("alices-call", "notebook", "alice", null, new BigDecimal("0.20")));

        assertEquals("user:alice", refused.budget().scope(), refused.getMessage());
        assertEquals(0, refused.retryAfterMillis(), "no Retry-After: after the reset it would be refused again");
    }

    @Test
    void aRequestThatFitsEveryWholeLimitIsStillToldWhenTheFullBudgetResets() {
        budgets.reserve("bobs-call", "notebook", "bob", null, new BigDecimal("0.95"));

        BudgetExceededException refused = assertThrows(BudgetExceededException.class,
                () -> budgets.reserve("alices-call", "notebook", "alice", null, new BigDecimal("0.08")));

        assertEquals("global", refused.budget().scope(), refused.getMessage());
        assertEquals(true, refused.retryAfterMillis() > 0, "Retry-After until the global day resets");
    }
}
