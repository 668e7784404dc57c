package dev.caravan.ledger;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BudgetConfigTest {

    @Test
    void theSampleFileGivesLimitsPerScopeAndPeriodWithStarAsEveryOtherId() {
        BudgetConfig config = BudgetConfig.load(Path.of("src/test/resources/ledger/budgets.yaml"));

        assertEquals(Map.of(Period.DAY, new BigDecimal("100"), Period.MONTH, new BigDecimal("2000")), config.limitsOf("global"));
        assertEquals(Map.of(Period.DAY, new BigDecimal("20")), config.limitsOf("application:checkout"));
        assertEquals(Map.of(Period.DAY, new BigDecimal("5")), config.limitsOf("application:anything-else"));
        assertEquals(Map.of(Period.DAY, new BigDecimal("2.5"), Period.MONTH, new BigDecimal("50")), config.limitsOf("user:alice"));
        assertEquals(Map.of(), config.limitsOf("user:bob"));
        assertEquals(Map.of(Period.MONTH, new BigDecimal("0.75")), config.limitsOf("key:key-7f3a"));
    }

    @Test
    void aMissingFileMeansNoBudgets() {
        assertTrue(BudgetConfig.load(Path.of("no/such/budgets.yaml")).isEmpty());
    }

    @Test
    void unknownSectionsPeriodsAndAmountsAreRejectedRatherThanSilentlyNotEnforced() {
        assertThrows(IllegalArgumentException.class, () -> BudgetConfig.parse("user: {alice: {daily: 1}}"));
        assertThrows(IllegalArgumentException.class, () -> BudgetConfig.parse("global: {weekly: 1}"));
        assertThrows(IllegalArgumentException.class, () -> BudgetConfig.parse("global: {daily: lots}"));
        assertThrows(IllegalArgumentException.class, () -> BudgetConfig.parse("global: {daily: -1}"));
    }

    @Test
    void budgetsResetAtTheNextUtcMidnightAndOnTheFirstOfTheNextMonth() {
        java.time.Instant lastSecondOfTheYear = java.time.Instant.parse("2025-12-31T23:59:59Z");
        assertEquals(java.time.Instant.parse("2026-01-01T00:00:00Z"), Period.DAY.resetsAt(lastSecondOfTheYear));
        assertEquals(java.time.Instant.parse("2026-01-01T00:00:00Z"), Period.MONTH.resetsAt(lastSecondOfTheYear));
        java.time.Instant leapDay = java.time.Instant.parse("2024-02-29T00:00:00Z");
        assertEquals(java.time.Instant.parse("2024-03-01T00:00:00Z"), Period.DAY.resetsAt(leapDay));
        assertEquals(java.time.Instant.parse("2024-03-01T00:00:00Z"), Period.MONTH.resetsAt(leapDay));
        assertEquals("2024-02-29", Period.DAY.key(leapDay));
        assertEquals("2024-02", Period.MONTH.key(leapDay));
    }

    @Test
    void aPeriodKeyFollowsTheDayAskedForAcrossMidnightBothWays() {
        java.time.Instant beforeMidnight = java.time.Instant.parse("2025-12-31T23:59:59.999Z");
        java.time.Instant afterMidnight = java.time.Instant.parse("2026-01-01T00:00:00Z");
        java.time.Instant beforeEpoch = java.time.Instant.parse("1969-12-31T23:00:00Z");
        for (java.time.Instant at : List.of(beforeMidnight, afterMidnight, afterMidnight, beforeMidnight, beforeEpoch)) {
            String day = java.time.LocalDate.ofInstant(at, java.time.ZoneOffset.UTC).toString();
            assertEquals(day, Period.DAY.key(at), at.toString());
            assertEquals(day.substring(0, 7), Period.MONTH.key(at), at.toString());
        }
    }
}
