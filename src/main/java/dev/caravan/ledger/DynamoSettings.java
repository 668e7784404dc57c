package dev.caravan.ledger;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

import java.net.URI;
import java.time.Duration;

/**
 * Where the DynamoDB ledger lives: endpoint (null: the SDK's own resolution, which honours
 * {@code AWS_ENDPOINT_URL_DYNAMODB}), region (null: the default region chain), table names, and whether missing
 * tables are created at start (off where IAM allows no CreateTable).
 */
public record DynamoSettings(URI endpoint, String region, String recordsTable, String countersTable,
                             boolean createTables) {

    public static final String DEFAULT_RECORDS_TABLE = "ai-costs";
    public static final String DEFAULT_COUNTERS_TABLE = "ai-cost-counters";

    public static DynamoSettings defaults() {
        return new DynamoSettings(endpointFromEnvironment(), null, DEFAULT_RECORDS_TABLE, DEFAULT_COUNTERS_TABLE, true);
    }

    public DynamoSettings withEndpoint(URI endpoint) {
        return new DynamoSettings(endpoint, region, recordsTable, countersTable, createTables);
    }

    public DynamoSettings withTables(String records, String counters) {
        return new DynamoSettings(endpoint, region, records, counters, createTables);
    }

    public static URI endpointFromEnvironment() {
        String value = System.getenv("AWS_ENDPOINT_URL_DYNAMODB");
        return value == null || value.isBlank() ? null : URI.create(value);
    }

    /** A client with the default credential chain. */
    public DynamoDbClient client() {
        return client(DefaultCredentialsProvider.builder().build());
    }

    public DynamoDbClient client(AwsCredentialsProvider credentials) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .credentialsProvider(credentials)
                .region(resolveRegion())
                // Two sync HTTP clients are on the classpath; the SDK refuses to guess.
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(64)
                        .connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(5)))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(Duration.ofSeconds(10)).apiCallAttemptTimeout(Duration.ofSeconds(5)).build());
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    private Region resolveRegion() {
        if (region != null && !region.isBlank()) {
            return Region.of(region);
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (RuntimeException e) {
            if (endpoint != null) {
                return Region.US_EAST_1; // a local DynamoDB-compatible server ignores the region
            }
            throw e;
        }
    }
}
