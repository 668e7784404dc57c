package dev.caravan.ledger;

import dev.caravan.support.Eventually;
import dev.caravan.support.Gateway;
import dev.caravan.support.StreamCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A call costs the price its model had when its attempt began, whatever a catalog reload does meanwhile. */
class PriceAtAttemptTest {

    @TempDir
    Path dir;

    @Test
    void aStreamWhosePriceLeavesTheCatalogWhileItRunsIsChargedThatPriceNotNothing() throws Exception {
        String prices = "models:\n  mock/mock-echo: {input: 1.00, output: 2.00}\n";
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, prices + "  mock/mock-stream: {input: 1.00, output: 2.00}\n");
        try (Gateway gateway = Gateway.start(Map.of("caravan.catalog.file", catalog.toString(),
                "caravan.catalog.reload-period-ms", "200",
                "caravan.mock.token-delay-ms", "100", "caravan.mock.stream-tokens", "20"))) {
            CompletableFuture<StreamCapture> stream = StreamCapture.postInBackground(gateway, "/v1/chat/completions",
                    "{\"model\":\"mock-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            Thread.sleep(500);
            // the engineer renames the price entry to a dated model id while the stream runs
            Files.writeString(catalog, prices + "  mock/mock-stream-2025: {input: 1.00, output: 2.00}\n");
            StreamCapture done = stream.get(20, TimeUnit.SECONDS);
            assertEquals(200, done.status());

            Ledger ledger = gateway.context().getRegistry().lookupByNameAndType("ledger", Ledger.class);
            CostRecord record = Eventually.until(() -> ledger.store().find(done.header("x-request-id")), 10_000,
                    "recorded");
            assertEquals(20, record.completionTokens());
            assertNotNull(record.cost(), "recorded as free");
            BigDecimal expected = BigDecimal.valueOf(record.promptTokens() * 1.00 + 20 * 2.00).movePointLeft(6);
            assertEquals(0, expected.compareTo(record.cost()), "cost " + record.cost().toPlainString());
        }
    }
}
