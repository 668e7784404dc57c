package dev.caravan.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.caravan.api.Json;
import dev.caravan.ledger.EmbeddedDatabase;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** API keys in the embedded ledger database (table {@code api_keys}, beside the cost records). */
public final class EmbeddedKeyStore implements KeyStore {

    private static final String COLUMNS = "id, secret_hash, user_id, application, allowed_models, requests_per_minute, "
            + "tokens_per_minute, daily_budget, monthly_budget, created_at, expires_at, enabled, revoked_at";

    /** Every column set from a key, then every column still as a key read before. */
    private static final String REPLACE = "UPDATE api_keys SET " + Arrays.stream(COLUMNS.split(", "))
            .map(column -> column + " = ?").collect(Collectors.joining(", ")) + " WHERE " + Arrays.stream(COLUMNS.split(", "))
            .map(column -> column + " IS NOT DISTINCT FROM ?").collect(Collectors.joining(" AND "));

    private final EmbeddedDatabase database;

    public EmbeddedKeyStore(EmbeddedDatabase database) {
        this.database = database;
        database.inTransaction(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("""
                        CREATE TABLE IF NOT EXISTS api_keys (
                          id VARCHAR PRIMARY KEY, secret_hash VARCHAR NOT NULL, user_id VARCHAR NOT NULL,
                          application VARCHAR NOT NULL, allowed_models VARCHAR NOT NULL, requests_per_minute BIGINT NOT NULL,
                          tokens_per_minute BIGINT NOT NULL, daily_budget DECIMAL(38, 18), monthly_budget DECIMAL(38, 18),
                          created_at BIGINT NOT NULL, expires_at BIGINT, enabled BOOLEAN NOT NULL, revoked_at BIGINT)""");
                statement.execute("CREATE UNIQUE INDEX IF NOT EXISTS api_keys_by_hash ON api_keys (secret_hash)");
            }
            return null;
        });
    }

    @Override
    public void create(ApiKey key) {
        database.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO api_keys (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(insert, key, 1);
                insert.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void update(ApiKey key) {
        int changed = database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE api_keys SET id = ?, secret_hash = ?, "
                    + "user_id = ?, application = ?, allowed_models = ?, requests_per_minute = ?, tokens_per_minute = ?, "
                    + "daily_budget = ?, monthly_budget = ?, created_at = ?, expires_at = ?, enabled = ?, revoked_at = ? "
                    + "WHERE id = ?" + (key.revoked() ? "" : " AND revoked_at IS NULL"))) {
                bind(update, key, 1);
                update.setString(14, key.id());
                return update.executeUpdate();
            }
        });
        if (changed != 1) {
            if (find(key.id()).isPresent()) {
                throw new KeyRevokedException(key.id());
            }
            throw new IllegalArgumentException("no key " + key.id());
        }
    }

    @Override
    public boolean replace(ApiKey read, ApiKey changed) {
        int replaced = database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(REPLACE)) {
                bind(update, changed, 1);
                bind(update, read, 14);
                return update.executeUpdate();
            }
        });
        if (replaced == 1) {
            return true;
        }
        if (find(read.id()).isEmpty()) {
            throw new IllegalArgumentException("no key " + read.id());
        }
        return false;
    }

    @Override
    public Optional<ApiKey> find(String id) {
        return one("id", id);
    }

    @Override
    public Optional<ApiKey> findBySecretHash(String secretHash) {
        return one("secret_hash", secretHash);
    }

    @Override
    public List<ApiKey> list() {
        return database.inTransaction(connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at, id");
                 ResultSet rows = query.executeQuery()) {
                List<ApiKey> keys = new ArrayList<>();
                while (rows.next()) {
                    keys.add(read(rows));
                }
                return keys;
            }
        });
    }

    private Optional<ApiKey> one(String column, String value) {
        return database.inTransaction(connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT " + COLUMNS + " FROM api_keys WHERE " + column + " = ?")) {
                query.setString(1, value);
                try (ResultSet rows = query.executeQuery()) {
                    return rows.next() ? Optional.of(read(rows)) : Optional.<ApiKey>empty();
                }
            }
        });
    }

    private static void bind(PreparedStatement statement, ApiKey key, int first) throws SQLException {
        int i = first;
        statement.setString(i++, key.id());
        statement.setString(i++, key.secretHash());
        statement.setString(i++, key.userId());
        statement.setString(i++, key.application());
        statement.setString(i++, writeModels(key.allowedModels()));
        statement.setLong(i++, key.rateLimit().requestsPerMinute());
        statement.setLong(i++, key.rateLimit().tokensPerMinute());
        statement.setBigDecimal(i++, key.budgets().daily());
        statement.setBigDecimal(i++, key.budgets().monthly());
        statement.setLong(i++, key.createdAt().toEpochMilli());
        setInstant(statement, i++, key.expiresAt());
        statement.setBoolean(i++, key.enabled());
        setInstant(statement, i, key.revokedAt());
    }

    private static ApiKey read(ResultSet row) throws SQLException {
        return new ApiKey(row.getString("id"), row.getString("secret_hash"), row.getString("user_id"),
                row.getString("application"), readModels(row.getString("allowed_models")),
                new RateLimit(row.getLong("requests_per_minute"), row.getLong("tokens_per_minute")),
                new KeyBudgets(row.getBigDecimal("daily_budget"), row.getBigDecimal("monthly_budget")),
                Instant.ofEpochMilli(row.getLong("created_at")), instant(row, "expires_at"), row.getBoolean("enabled"),
                instant(row, "revoked_at"));
    }

    private static void setInstant(PreparedStatement statement, int index, Instant value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, value.toEpochMilli());
        }
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        long millis = row.getLong(column);
        return row.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    static String writeModels(List<String> models) {
        try {
            return Json.MAPPER.writeValueAsString(models);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("allowed models cannot be written", e);
        }
    }

    static List<String> readModels(String json) {
        try {
            return Json.MAPPER.readValue(json, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored allowed models are not a JSON list", e);
        }
    }
}
