package dev.caravan.ledger;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * The ledger's configuration, read from {@code caravan.ledger.*} properties (see {@link #fromProperties}).
 * {@code store} is {@code embedded}, {@code dynamodb}, or {@code auto}: DynamoDB when
 * {@code AWS_ENDPOINT_URL_DYNAMODB} or {@code caravan.ledger.dynamodb.endpoint} is set, else embedded.
 */
public record LedgerSettings(String store, Path dataDir, Path budgetsFile, DynamoSettings dynamo,
                             Duration initialBackoff, Duration maxBackoff) {

    public static LedgerSettings embedded(Path dataDir, Path budgetsFile) {
        return new LedgerSettings("embedded", dataDir, budgetsFile, DynamoSettings.defaults(),
                Duration.ofSeconds(1), Duration.ofMinutes(1));
    }

    /**
     * Reads the settings through {@code property} (key to value, null when unset), with these defaults:
     * <pre>
     * caravan.ledger.store=auto
     * caravan.ledger.data-dir=data
     * caravan.ledger.budgets-file=config/budgets.yaml
     * caravan.ledger.dynamodb.endpoint=              (AWS_ENDPOINT_URL_DYNAMODB, else the SDK's)
     * caravan.ledger.dynamodb.region=                (the AWS default region chain)
     * caravan.ledger.dynamodb.records-table=ai-costs
     * caravan.ledger.dynamodb.counters-table=ai-cost-counters
     * caravan.ledger.dynamodb.create-tables=true
     * caravan.ledger.spool.initial-backoff-ms=1000
     * caravan.ledger.spool.max-backoff-ms=60000
     * </pre>
     */
    public static LedgerSettings fromProperties(Function<String, String> property) {
        String endpoint = get(property, "caravan.ledger.dynamodb.endpoint", "");
        URI endpointUri = endpoint.isBlank() ? DynamoSettings.endpointFromEnvironment() : URI.create(endpoint);
        DynamoSettings dynamo = new DynamoSettings(endpointUri,
                blankToNull(get(property, "caravan.ledger.dynamodb.region", "")),
                get(property, "caravan.ledger.dynamodb.records-table", DynamoSettings.DEFAULT_RECORDS_TABLE),
                get(property, "caravan.ledger.dynamodb.counters-table", DynamoSettings.DEFAULT_COUNTERS_TABLE),
                Boolean.parseBoolean(get(property, "caravan.ledger.dynamodb.create-tables", "true")));
        String store = get(property, "caravan.ledger.store", "auto");
        if (store.equals("auto")) {
            store = endpointUri != null ? "dynamodb" : "embedded";
        }
        if (!store.equals("embedded") && !store.equals("dynamodb")) {
            throw new IllegalArgumentException("caravan.ledger.store must be auto, embedded or dynamodb, not " + store);
        }
        return new LedgerSettings(store, Path.of(get(property, "caravan.ledger.data-dir", "data")),
                Path.of(get(property, "caravan.ledger.budgets-file", "config/budgets.yaml")), dynamo,
                Duration.ofMillis(Long.parseLong(get(property, "caravan.ledger.spool.initial-backoff-ms", "1000"))),
                Duration.ofMillis(Long.parseLong(get(property, "caravan.ledger.spool.max-backoff-ms", "60000"))));
    }

    public boolean usesDynamo() {
        return store.equals("dynamodb");
    }

    private static String get(Function<String, String> property, String key, String fallback) {
        String value = property.apply(key);
        return value == null ? fallback : value.trim();
    }

    private static String blankToNull(String value) {
        return value.isBlank() ? null : value;
    }
}
