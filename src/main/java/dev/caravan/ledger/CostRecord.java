package dev.caravan.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What one request cost: one record per requestId, written once to the cost store whatever happens.
 * {@code usageReported} is false when a stream ended without the provider's usage: such a record is counted as
 * unreported, never as free; under budgets its cost is then an estimate (its prompt and the output its time allows on
 * the target that served it).
 */
public record CostRecord(String requestId, Instant timestamp, String provider, String requestedModel,
                         String servedModel, long promptTokens, long completionTokens, long cachedTokens,
                         long cacheWriteTokens, BigDecimal cost, String userId, String application, String keyId,
                         Status status, long latencyMillis, Long timeToFirstTokenMillis, int attempts,
                         boolean usageReported) {

    /** How the request ended. */
    public enum Status {
        OK, ERROR, PARTIAL;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Status fromWire(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public CostRecord {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(status, "status");
        cost = cost == null ? BigDecimal.ZERO : cost;
        if (cost.signum() < 0) {
            throw new IllegalArgumentException("cost must not be negative: " + cost);
        }
    }

    /** The model the counters file this record under: the one that answered, else the one asked for. */
    public String model() {
        return servedModel != null ? servedModel : requestedModel;
    }

    /** Every counter scope this record adds to: global, then application, user, key, model and provider. */
    public List<String> scopes() {
        List<String> scopes = new ArrayList<>(6);
        scopes.add(Scope.GLOBAL);
        addScope(scopes, Scope.APPLICATION, application);
        addScope(scopes, Scope.USER, userId);
        addScope(scopes, Scope.KEY, keyId);
        addScope(scopes, Scope.MODEL, model());
        addScope(scopes, Scope.PROVIDER, provider);
        return scopes;
    }

    private static void addScope(List<String> scopes, String kind, String id) {
        if (id != null && !id.isBlank()) {
            scopes.add(Scope.of(kind, id));
        }
    }
}
