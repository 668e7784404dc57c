package dev.caravan.ledger;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BudgetExceededExceptionTest {

    private static final Instant NOW = Instant.parse("2026-03-10T18:00:00Z");
    private static final BudgetWindow DAILY = BudgetWindow.at("user:alice", Period.DAY, new BigDecimal("5"), NOW);

    @Test
    void aRequestThatFitsTheLimitButNotWhatIsLeftIsToldWhenTheBudgetResets() {
        BudgetExceededException refused = new BudgetExceededException(DAILY, new BigDecimal("2.50"), NOW);

        assertEquals(429, refused.status());
        assertEquals(6 * 3_600_000L, refused.retryAfterMillis(), "until midnight UTC");
        assertEquals(null, refused.shouldRetry(), "holds given back may make room: the SDK may retry");
        assertTrue(refused.getMessage().contains("The user:alice daily budget of 5 USD has too little left for this "
                + "request's worst-case cost of 2.5 USD"), refused.getMessage());
        assertTrue(refused.getMessage().contains("resets at 2026-03-11T00:00:00Z"), refused.getMessage());
    }

    @Test
    void aRequestCostingMoreThanTheWholeLimitIsNotToldToRetryAfterTheReset() {
        BudgetExceededException refused = new BudgetExceededException(DAILY, new BigDecimal("7.2"), NOW);

        assertEquals(429, refused.status());
        assertEquals(0, refused.retryAfterMillis(), "no Retry-After: it would not fit after the reset either");
        assertEquals(Boolean.FALSE, refused.shouldRetry());
        assertTrue(refused.getMessage().contains("worst-case cost of 7.2 USD is more than the whole user:alice daily "
                + "budget of 5 USD allows"), refused.getMessage());
        assertTrue(refused.getMessage().contains("lower max_tokens"), refused.getMessage());
    }
}
