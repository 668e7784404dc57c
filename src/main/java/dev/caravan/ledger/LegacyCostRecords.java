package dev.caravan.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Cost records that earlier versions kept in the ledger database's table {@code cost_records}, before records moved
 * to the journal: read, never written, so that a data directory from before the move keeps its records readable.
 * Their counters are in {@code cost_counters} already. Absent from data directories made since.
 */
final class LegacyCostRecords {

    private static final String COLUMNS = "request_id, ts, provider, requested_model, served_model, prompt_tokens, "
            + "completion_tokens, cached_tokens, cache_write_tokens, cost, user_id, application, key_id, status, "
            + "latency_millis, ttft_millis, attempts, usage_reported";

    private final EmbeddedDatabase database;
    private final boolean present;

    LegacyCostRecords(EmbeddedDatabase database) {
        this.database = database;
        this.present = database.inTransaction(connection -> {
            try (ResultSet tables = connection.getMetaData().getTables(null, null, "COST_RECORDS", null)) {
                return tables.next();
            }
        });
    }

    Optional<CostRecord> find(String requestId) {
        if (!present) {
            return Optional.empty();
        }
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT " + COLUMNS + " FROM cost_records WHERE request_id = ?")) {
                select.setString(1, requestId);
                return read(select).stream().findFirst();
            }
        });
    }

    /** A user's ({@code user_id}) or an application's ({@code application}) records in {@code [from, to)}. */
    List<CostRecord> records(String column, String id, Instant from, Instant to, int limit) {
        if (!present) {
            return List.of();
        }
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM cost_records WHERE "
                    + column + " = ? AND ts_millis >= ? AND ts_millis < ? ORDER BY ts_millis, request_id LIMIT ?")) {
                select.setString(1, id);
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
}
