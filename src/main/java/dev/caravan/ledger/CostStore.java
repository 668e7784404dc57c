package dev.caravan.ledger;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where cost records and their counters live. A write that failed may be repeated: {@link #record} is idempotent per
 * requestId (a record written twice is stored and counted once, also when the first write failed half way), which
 * is what the spool's replays use; {@link #recordAll} may instead write its records as one atomic batch (the
 * embedded store), after whose failure nothing of it counts.
 */
public interface CostStore extends AutoCloseable {

    /**
     * Stores the record and adds it to the counters of each of its scopes for its UTC day and month.
     *
     * @return false when the record was already there and fully counted (a replay)
     * @throws RuntimeException when the store cannot be reached; calling again later is safe
     */
    boolean record(CostRecord record);

    /**
     * Stores several records, as {@link #record} each; a store may write them together (one transaction). On an
     * exception some may have been stored: recording them again is safe.
     */
    default void recordAll(List<CostRecord> records) {
        for (CostRecord record : records) {
            record(record);
        }
    }

    /** Whether {@link #recordAll} writes together (then concurrent requests' records are grouped into it). */
    default boolean writesTogether() {
        return false;
    }

    Optional<CostRecord> find(String requestId);

    /** A user's or an application's records ({@code user:<id>}, {@code application:<id>}) in {@code [from, to)}, oldest first. */
    List<CostRecord> records(String scope, Instant from, Instant to, int limit);

    /** One scope's counter for one period key ({@code 2025-06-15} or {@code 2025-06}); zeros when nothing was counted. */
    Counter counter(String scope, String periodKey);

    /** The day counters of every scope of one kind ({@code model}, {@code user}, ...) over the UTC days {@code from..to}. */
    List<Counter> dailyCounters(String scopeKind, LocalDate from, LocalDate to);

    /** Spend over a date range, grouped as the query asks, largest spend first (by day: in date order). */
    default List<SpendRow> spend(SpendQuery query) {
        Map<String, SpendRow> rows = new LinkedHashMap<>();
        if (query.groupBy() == SpendQuery.Grouping.DAY) {
            for (LocalDate day = query.from(); !day.isAfter(query.to()); day = day.plusDays(1)) {
                Counter counter = counter(query.scope(), day.toString());
                if (counter.requests() > 0) {
                    rows.put(day.toString(), SpendRow.empty(day.toString()).plus(counter));
                }
            }
            return new ArrayList<>(rows.values());
        }
        for (Counter counter : dailyCounters(query.groupBy().scopeKind(), query.from(), query.to())) {
            String group = Scope.idOf(counter.scope());
            rows.put(group, rows.getOrDefault(group, SpendRow.empty(group)).plus(counter));
        }
        List<SpendRow> sorted = new ArrayList<>(rows.values());
        sorted.sort((a, b) -> b.cost().compareTo(a.cost()) != 0 ? b.cost().compareTo(a.cost()) : a.group().compareTo(b.group()));
        return sorted;
    }

    @Override
    void close();
}
