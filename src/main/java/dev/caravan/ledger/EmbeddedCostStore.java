package dev.caravan.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.api.RequestIds;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The default cost store: records in an append-only journal of JSON lines per UTC day ({@link CostJournal}), counters
 * in the embedded H2 database. A write appends its records to the journal tagged with a new batch id, then commits
 * the batch id and the records' counter deltas in one transaction: a record counts, and is read back, exactly when
 * its batch committed. Records are not rows of a table because every row insert copied a path of B-tree pages in
 * four maps (rows, request id, two indexes) plus the undo log, and kept the pages live until the next store and
 * in H2's cache: at concurrency 32 that was a fifth of the gateway's allocation and most of its GC pause time
 * (bench/results/2026-11-26-hot-path-7.md). Reading records (by id, per user or application) scans the days asked for,
 * and the table of an earlier version's records where a data directory still has one ({@link LegacyCostRecords}).
 * <p>
 * Idempotency: {@link #record} (one record; what a spool replay calls) claims the request id in the database in the
 * same transaction, so a record replayed twice is stored and counted once. {@link #recordAll} (the ledger's group
 * write of fresh records) writes a batch atomically: when it throws nothing of it counts, and writing it again
 * (from the spool, through {@link #record}) is safe.
 */
public final class EmbeddedCostStore implements CostStore {

    private static final String ADD_TO_COUNTER = """
            MERGE INTO cost_counters c
            USING (VALUES (CAST(? AS DECIMAL(38, 18)), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT),
                           CAST(? AS BIGINT), CAST(? AS VARCHAR), CAST(? AS VARCHAR)))
                  s(cost, requests, prompt_tokens, completion_tokens, unreported, scope, period)
            ON c.scope = s.scope AND c.period = s.period
            WHEN MATCHED THEN UPDATE SET cost = c.cost + s.cost, requests = c.requests + s.requests,
                 prompt_tokens = c.prompt_tokens + s.prompt_tokens,
                 completion_tokens = c.completion_tokens + s.completion_tokens, unreported = c.unreported + s.unreported
            WHEN NOT MATCHED THEN INSERT (scope, period, cost, requests, prompt_tokens, completion_tokens, unreported)
                 VALUES (s.scope, s.period, s.cost, s.requests, s.prompt_tokens, s.completion_tokens, s.unreported)""";

    private static final String UPDATE_COUNTER = "UPDATE cost_counters SET cost = cost + ?, requests = requests + ?, "
            + "prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?, "
            + "unreported = unreported + ? WHERE scope = ? AND period = ?";

    private static final String DUPLICATE_KEY = "23505";
    private static final Period[] PERIODS = Period.values();

    private final EmbeddedDatabase database;
    private final CostJournal journal;
    private final LegacyCostRecords legacy;

    public EmbeddedCostStore(EmbeddedDatabase database) {
        this.database = database;
        this.journal = new CostJournal(database.dataDir());
        this.legacy = new LegacyCostRecords(database);
    }

    /** Stores one record unless its request id was stored this way before (a replay): then false. */
    @Override
    public boolean record(CostRecord record) {
        String batch = append(List.of(record));
        return database.inTransaction(connection -> {
            try (PreparedStatement claim = connection.prepareStatement(
                    "INSERT INTO cost_record_ids (request_id) VALUES (?)")) {
                claim.setString(1, record.requestId());
                claim.executeUpdate();
            } catch (SQLException e) {
                if (DUPLICATE_KEY.equals(e.getSQLState())) {
                    return false; // stored before: this batch never commits, so its journal line does not count
                }
                throw e;
            }
            commit(connection, batch, List.of(record));
            return true;
        });
    }

    /** One journal write and one transaction for all of them: the batch id, and each counter updated once with their sum. */
    @Override
    public void recordAll(List<CostRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        String batch = append(records);
        database.inTransaction(connection -> {
            commit(connection, batch, records);
            return null;
        });
    }

    @Override
    public boolean writesTogether() {
        return true;
    }

    private String append(List<CostRecord> records) {
        String batch = batchId();
        journal.append(batch, records);
        return batch;
    }

    /** A new batch id, time first (as request ids), so that the ids of {@code cost_batches} grow at its index's end. */
    static String batchId() {
        return RequestIds.timeFirstHex();
    }

    /** Marks the batch committed and adds its records to their counters (inside the caller's transaction). */
    private static void commit(Connection connection, String batch, List<CostRecord> records) throws SQLException {
        try (PreparedStatement mark = connection.prepareStatement("INSERT INTO cost_batches (batch_id) VALUES (?)")) {
            mark.setString(1, batch);
            mark.executeUpdate();
        }
        Map<CounterKey, CounterDelta> deltas = new LinkedHashMap<>();
        for (CostRecord record : records) {
            for (String scope : record.scopes()) {
                for (Period period : PERIODS) {
                    deltas.computeIfAbsent(new CounterKey(scope, period.key(record.timestamp())), CounterDelta::new)
                            .add(record);
                }
            }
        }
        addToCounters(connection, deltas.values());
    }

    /**
     * Adds each delta to its counter row: a batched {@code UPDATE} for the rows that exist (all but the first
     * record of a scope in a period), then the {@code MERGE} that creates a row for the others.
     */
    private static void addToCounters(Connection connection, Collection<CounterDelta> deltas) throws SQLException {
        List<CounterDelta> missing = new ArrayList<>();
        try (PreparedStatement update = connection.prepareStatement(UPDATE_COUNTER)) {
            for (CounterDelta delta : deltas) {
                delta.bind(update);
            }
            int[] updated = update.executeBatch();
            int i = 0;
            for (CounterDelta delta : deltas) {
                if (updated[i++] == 0) {
                    missing.add(delta);
                }
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        try (PreparedStatement add = connection.prepareStatement(ADD_TO_COUNTER)) {
            for (CounterDelta delta : missing) {
                delta.bind(add);
            }
            add.executeBatch();
        }
    }

    /** One counter: a scope in one period. */
    private record CounterKey(String scope, String periodKey) {
    }

    /** What a batch of records adds to one counter. */
    private static final class CounterDelta {
        final String scope;
        final String periodKey;
        BigDecimal cost = BigDecimal.ZERO;
        long requests;
        long promptTokens;
        long completionTokens;
        long unreported;

        CounterDelta(CounterKey key) {
            this.scope = key.scope();
            this.periodKey = key.periodKey();
        }

        void add(CostRecord record) {
            cost = cost.add(record.cost());
            requests++;
            promptTokens += record.promptTokens();
            completionTokens += record.completionTokens();
            unreported += record.usageReported() ? 0 : 1;
        }

        /** Adds this delta to a batch of {@link #UPDATE_COUNTER} or {@link #ADD_TO_COUNTER} (same parameters). */
        void bind(PreparedStatement statement) throws SQLException {
            statement.setBigDecimal(1, cost);
            statement.setLong(2, requests);
            statement.setLong(3, promptTokens);
            statement.setLong(4, completionTokens);
            statement.setLong(5, unreported);
            statement.setString(6, scope);
            statement.setString(7, periodKey);
            statement.addBatch();
        }
    }

    @Override
    public Optional<CostRecord> find(String requestId) {
        List<LocalDate> days = new ArrayList<>(journal.days());
        Collections.reverse(days); // the newest first: a record is usually looked for soon after it was written
        Optional<Instant> made = RequestIds.timeOf(requestId);
        if (made.isPresent()) {
            LocalDate likely = LocalDate.ofInstant(made.get(), ZoneOffset.UTC);
            // The gateway's request ids begin with the time they were made, the record's time to the millisecond:
            // its day, or a neighbour when the request crossed midnight, holds it.
            days.sort(Comparator.comparingLong(day -> Math.abs(day.toEpochDay() - likely.toEpochDay())));
        }
        for (LocalDate day : days) {
            List<JsonNode> found = new ArrayList<>();
            journal.read(day, line -> {
                if (requestId.equals(line.path("requestId").textValue())) {
                    found.add(line);
                }
            });
            List<CostRecord> committed = committed(found);
            if (!committed.isEmpty()) {
                return Optional.of(committed.get(0));
            }
        }
        return legacy.find(requestId);
    }

    @Override
    public List<CostRecord> records(String scope, Instant from, Instant to, int limit) {
        boolean user = switch (Scope.kindOf(scope)) {
            case Scope.USER -> true;
            case Scope.APPLICATION -> false;
            default -> throw new IllegalArgumentException("records are read per user or application, not " + scope);
        };
        String field = user ? "userId" : "application";
        String id = Scope.idOf(scope);
        if (!to.isAfter(from) || limit <= 0) {
            return List.of();
        }
        LocalDate firstDay = LocalDate.ofInstant(from, ZoneOffset.UTC);
        LocalDate lastDay = LocalDate.ofInstant(to.minusNanos(1), ZoneOffset.UTC);
        long fromMillis = from.toEpochMilli();
        long toMillis = to.toEpochMilli();
        List<JsonNode> matching = new ArrayList<>();
        journal.read(firstDay, lastDay, line -> {
            if (id.equals(line.path(field).textValue())) {
                long millis;
                try {
                    millis = Instant.parse(line.path("timestamp").textValue()).toEpochMilli();
                } catch (DateTimeParseException unreadable) {
                    return;
                }
                if (millis >= fromMillis && millis < toMillis) {
                    matching.add(line);
                }
            }
        });
        List<CostRecord> records = new ArrayList<>(committed(matching));
        records.addAll(legacy.records(user ? "user_id" : "application", id, from, to, limit));
        records.sort(Comparator.comparing(CostRecord::timestamp).thenComparing(CostRecord::requestId));
        return records.size() > limit ? List.copyOf(records.subList(0, limit)) : records;
    }

    /** The records of those journal lines whose batch committed, in the lines' order. */
    private List<CostRecord> committed(List<JsonNode> lines) {
        if (lines.isEmpty()) {
            return List.of();
        }
        Set<String> batches = new HashSet<>();
        for (JsonNode line : lines) {
            batches.add(CostRecordJson.batchOf(line));
        }
        Set<String> done = database.inTransaction(connection -> {
            Set<String> found = new HashSet<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT 1 FROM cost_batches WHERE batch_id = ?")) {
                for (String batch : batches) {
                    if (batch == null) {
                        continue;
                    }
                    select.setString(1, batch);
                    try (ResultSet row = select.executeQuery()) {
                        if (row.next()) {
                            found.add(batch);
                        }
                    }
                }
            }
            return found;
        });
        List<CostRecord> records = new ArrayList<>();
        for (JsonNode line : lines) {
            if (done.contains(CostRecordJson.batchOf(line))) {
                try {
                    records.add(CostRecordJson.record(line));
                } catch (RuntimeException unreadable) {
                    // a line this version cannot read (a damaged file): it is skipped, not fatal to the query
                }
            }
        }
        return records;
    }

    @Override
    public Counter counter(String scope, String periodKey) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT * FROM cost_counters WHERE scope = ? AND period = ?")) {
                select.setString(1, scope);
                select.setString(2, periodKey);
                List<Counter> found = readCounters(select);
                return found.isEmpty() ? Counter.empty(scope, periodKey) : found.get(0);
            }
        });
    }

    @Override
    public List<Counter> dailyCounters(String scopeKind, LocalDate from, LocalDate to) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT * FROM cost_counters WHERE "
                    + "period BETWEEN ? AND ? AND LENGTH(period) = 10 AND scope LIKE ? ESCAPE '\\' ORDER BY period, scope")) {
                select.setString(1, from.toString());
                select.setString(2, to.toString());
                select.setString(3, scopeKind.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ":%");
                return readCounters(select);
            }
        });
    }

    private static List<Counter> readCounters(PreparedStatement select) throws SQLException {
        List<Counter> counters = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                BigDecimal cost = rows.getBigDecimal("cost").stripTrailingZeros();
                counters.add(new Counter(rows.getString("scope"), rows.getString("period"), cost,
                        rows.getLong("requests"), rows.getLong("prompt_tokens"), rows.getLong("completion_tokens"),
                        rows.getLong("unreported")));
            }
        }
        return counters;
    }

    @Override
    public void close() {
        journal.close();
        database.close();
    }
}
