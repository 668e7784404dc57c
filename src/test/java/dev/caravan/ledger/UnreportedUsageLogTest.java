package dev.caravan.ledger;

import dev.caravan.ops.LogLines;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Records whose cost is an estimate are warned of at most once an interval, the next line counting the others. */
class UnreportedUsageLogTest {

    @Test
    void oneLineAnIntervalAndTheNextCountsTheRecordsBetween() {
        AtomicLong now = new AtomicLong(1_000);
        UnreportedUsageLog log = new UnreportedUsageLog(LoggerFactory.getLogger("caravan.test.unreported"),
                Duration.ofSeconds(60), now::get);
        try (LogLines lines = LogLines.capture("caravan.test.unreported")) {
            log.note(record("req-1"));
            for (int i = 2; i <= 5; i++) {
                now.addAndGet(Duration.ofSeconds(10).toNanos());
                log.note(record("req-" + i));
            }
            now.addAndGet(Duration.ofSeconds(21).toNanos()); // 61 s after the first line
            log.note(record("req-6"));
            log.note(record("req-7"));
            now.addAndGet(Duration.ofSeconds(60).toNanos());
            log.note(record("req-8"));

            List<String> warned = lines.lines().stream().filter(l -> l.level().equals("WARN"))
                    .map(LogLines.Line::message).toList();
            assertEquals(List.of(
                    "request req-1 ended without its whole usage from anthropic (claude-3-5-haiku); recorded as "
                            + "unreported, cost 0.0012 (estimated)",
                    "request req-6 ended without its whole usage from anthropic (claude-3-5-haiku); recorded as "
                            + "unreported, cost 0.0012 (estimated); 4 more requests ended so since the last such line",
                    "request req-8 ended without its whole usage from anthropic (claude-3-5-haiku); recorded as "
                            + "unreported, cost 0.0012 (estimated); 1 more requests ended so since the last such line"),
                    warned);
        }
    }

    private static CostRecord record(String requestId) {
        return new CostRecord(requestId, Instant.parse("2026-11-27T12:00:00Z"), "anthropic", "claude",
                "claude-3-5-haiku", 30, 5, 0, 0, new BigDecimal("0.0012"), "alice", "notebook", null,
                CostRecord.Status.OK, 800, 200L, 1, false);
    }
}
