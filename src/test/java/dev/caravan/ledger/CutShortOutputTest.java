package dev.caravan.ledger;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CutShortOutputTest {

    @ParameterizedTest(name = "{0} ms at {1}/s, allowance {2}, {3} reported: {4}")
    @CsvSource({
            "300,    500, 16384, 0,   150",
            "2000,   500, 16384, 0,   1000",
            "2001,   500, 16384, 0,   1001",
            "60000,  500, 16384, 0,   16384",
            "300,    500, 50,    0,   50",
            "300,    500, 16384, 400, 400",
            "0,      500, 16384, 0,   1",
            "10000,  100, 100000, 0,  1000"})
    void theOutputIsWhatTheTimeAllowsWithinTheAllowance_neverLessThanReportedOrOne(long millis, int perSecond,
                                                                                  long allowance, long reported,
                                                                                  long expected) {
        assertEquals(expected, CutShortOutput.tokens(millis * 1_000_000, perSecond, allowance, reported));
    }
}
