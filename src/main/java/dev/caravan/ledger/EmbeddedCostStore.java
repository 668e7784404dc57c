package dev.caravan.ledger;

import java.math.BigDecimal;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The default cost store: records and counters in the embedded H2 database. The record and its counters are
 * written in one transaction, so a record is counted exactly when it is stored.
 */
public final class EmbeddedCostStore implements CostStore {

    private static final String COLUMNS = "request_id, ts_millis, ts, provider, requested_model, served_model, "
            + "prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, cost, user_id, application, "
            + "key_id, status, latency_millis, ttft_millis, attempts, usage_reported";

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

    private static final String INSERT_RECORD = "INSERT INTO cost_records (" + COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static final String UPDATE_COUNTER = "UPDATE cost_counters SET cost = cost + ?, requests = requests + ?, "
            + "prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?, "
            + "unreported = unreported + ? WHERE scope = ? AND period = ?";

    private static final String DUPLICATE_KEY = "23505";

    private final EmbeddedDatabase database;

    public EmbeddedCostStore(EmbeddedDatabase database) {
        this.database = database;
    }

    @Override
    public boolean record(CostRecord record) {
        return database.inTransaction(connection -> storeAll(connection, List.of(record))) == 1;
    }

    /** One transaction for all of them: each record stored, and each counter updated once with their sum. */
    @Override
    public void recordAll(List<CostRecord> records) {
        database.inTransaction(connection -> storeAll(connection, records));
    }

    @Override
    public boolean writesTogether() {
        return true;
    }

    /**
     * Stores the records not stored yet and adds them to their counters; returns how many were new. A batch costs
     * one batched insert and one batched counter update, whatever its size. The primary key tells which records
     * were stored already (a replayed or repeated record): their inserts fail alone and they are not counted.
     */
    private static int storeAll(Connection connection, List<CostRecord> records) throws SQLException {
        List<CostRecord> fresh = new ArrayList<>(records.size());
        try (PreparedStatement insert = connection.prepareStatement(INSERT_RECORD)) {
            for (CostRecord record : records) {
                bindRecord(insert, record);
                insert.addBatch();
            }
            int[] inserted = insertedOrDuplicate(insert);
            for (int i = 0; i < inserted.length; i++) {
                if (inserted[i] != Statement.EXECUTE_FAILED) {
                    fresh.add(records.get(i));
                }
            }
        }
        if (fresh.isEmpty()) {
            return 0;
        }
        Map<String, CounterDelta> deltas = new LinkedHashMap<>();
        for (CostRecord record : fresh) {
            for (String scope : record.scopes()) {
                for (Period period : Period.values()) {
                    String periodKey = period.key(record.timestamp());
                    deltas.computeIfAbsent(scope + '\n' + periodKey, k -> new CounterDelta(scope, periodKey)).add(record);
                }
            }
        }
        addToCounters(connection, deltas.values());
        return fresh.size();
    }

    /** Runs the batch; the inserts refused as duplicate keys are marked failed, any other failure is thrown. */
    private static int[] insertedOrDuplicate(PreparedStatement insert) throws SQLException {
        try {
            return insert.executeBatch();
        } catch (BatchUpdateException e) {
            for (SQLException each = e.getNextException(); each != null; each = each.getNextException()) {
                if (!DUPLICATE_KEY.equals(each.getSQLState())) {
                    throw each;
                }
            }
            if (e.getNextException() == null && !DUPLICATE_KEY.equals(e.getSQLState())) {
                throw e;
            }
            return e.getUpdateCounts();
        }
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

    /** What a batch of records adds to one counter. */
    private static final class CounterDelta {
        final String scope;
        final String periodKey;
        BigDecimal cost = BigDecimal.ZERO;
        long requests;
        long promptTokens;
        long completionTokens;
        long unreported;

        CounterDelta(String scope, String periodKey) {
            this.scope = scope;
            this.periodKey = periodKey;
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

    private static void bindRecord(PreparedStatement insert, CostRecord r) throws SQLException {
        insert.setString(1, r.requestId());
        insert.setLong(2, r.timestamp().toEpochMilli());
        insert.setString(3, r.timestamp().toString());
        insert.setString(4, r.provider());
        insert.setString(5, r.requestedModel());
        insert.setString(6, r.servedModel());
        insert.setLong(7, r.promptTokens());
        insert.setLong(8, r.completionTokens());
        insert.setLong(9, r.cachedTokens());
        insert.setLong(10, r.cacheWriteTokens());
        insert.setBigDecimal(11, r.cost());
        insert.setString(12, r.userId());
        insert.setString(13, r.application());
        insert.setString(14, r.keyId());
        insert.setString(15, r.status().wireName());
        insert.setLong(16, r.latencyMillis());
        if (r.timeToFirstTokenMillis() == null) {
            insert.setNull(17, Types.BIGINT);
        } else {
            insert.setLong(17, r.timeToFirstTokenMillis());
        }
        insert.setInt(18, r.attempts());
        insert.setBoolean(19, r.usageReported());
    }

    @Override
    public Optional<CostRecord> find(String requestId) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + COLUMNS + " FROM cost_records WHERE request_id = ?")) {
                select.setString(1, requestId);
                List<CostRecord> found = read(select);
                return found.stream().findFirst();
            }
        });
    }

    @Override
    public List<CostRecord> records(String scope, Instant from, Instant to, int limit) {
        String column = switch (Scope.kindOf(scope)) {
            case Scope.USER -> "user_id";
            case Scope.APPLICATION -> "application";
            default -> throw new IllegalArgumentException("records are read per user or application, not " + scope);
        };
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM cost_records WHERE "
                    + column + " = ? AND ts_millis >= ? AND ts_millis < ? ORDER BY ts_millis, request_id LIMIT ?")) {
                select.setString(1, Scope.idOf(scope));
                select.setLong(2, from.toEpochMilli());
                select.setLong(3, to.toEpochMilli());
                select.setInt(4, limit);
                return read(select);
            }
        });
    }

    private static List<CostRecord> read(PreparedStatement select) throws SQLException {
        List<CostRecord> records = new ArrayList<>();
        try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                long ttft = rows.getLong("ttft_millis");
                Long timeToFirstToken = rows.wasNull() ? null : ttft;
                records.add(new CostRecord(rows.getString("request_id"), Instant.parse(rows.getString("ts")),
                        rows.getString("provider"), rows.getString("requested_model"), rows.getString("served_model"),
                        rows.getLong("prompt_tokens"), rows.getLong("completion_tokens"), rows.getLong("cached_tokens"),
                        rows.getLong("cache_write_tokens"), rows.getBigDecimal("cost").stripTrailingZeros(),
                        rows.getString("user_id"), rows.getString("application"), rows.getString("key_id"),
                        CostRecord.Status.fromWire(rows.getString("status")), rows.getLong("latency_millis"),
                        timeToFirstToken, rows.getInt("attempts"), rows.getBoolean("usage_reported")));
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
        database.close();
    }
}
