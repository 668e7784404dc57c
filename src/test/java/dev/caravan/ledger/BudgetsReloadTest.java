package dev.caravan.ledger;

import dev.caravan.support.Gateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Budgets are configuration: an edit of budgets.yaml applies to the next requests without a restart. */
class BudgetsReloadTest {

    private static final String REQUEST = "{\"model\":\"mock-echo\",\"max_tokens\":1000,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

    @TempDir
    Path dir;

    /** A gateway on {@code budgets}, written as {@code yaml} first, checking its files every 200 ms. */
    private static Gateway startWith(Path budgets, String yaml) throws Exception {
        Files.writeString(budgets, yaml);
        return Gateway.start(Map.of("caravan.ledger.budgets-file", budgets.toString(),
                "caravan.catalog.reload-period-ms", "200"));
    }

    @Test
    void anEditedBudgetAppliesWithinSecondsAndAnInvalidEditKeepsThePreviousOne() throws Exception {
        Path budgets = dir.resolve("budgets.yaml");
        try (Gateway gateway = startWith(budgets, "global: {daily: 100}\n")) {
            assertEquals(200, gateway.post("/v1/chat/completions", REQUEST).statusCode());

            Files.writeString(budgets, "global: {daily: 0.0001}\n");
            assertEquals(429, statusWithin(gateway, 429, 5_000));

            Files.writeString(budgets, "global: {weekly: 100}\n");
            Thread.sleep(1_000);
            assertEquals(429, gateway.post("/v1/chat/completions", REQUEST).statusCode(),
                    "an invalid file leaves the last good budgets in force");

            Files.writeString(budgets, "global: {daily: 100}\n");
            assertEquals(200, statusWithin(gateway, 200, 5_000));
        }
    }

    @Test
    void anEmptyFileIsRefusedLikeAnInvalidOne_andNoBudgetsIsWrittenAsAnEmptyMapping() throws Exception {
        Path budgets = dir.resolve("budgets.yaml");
        try (Gateway gateway = startWith(budgets, "global: {daily: 0.000001}\n")) {
            assertEquals(429, gateway.post("/v1/chat/completions", REQUEST).statusCode());

            // a save caught between truncating and writing
            Files.writeString(budgets, "");
            Thread.sleep(1_000);
            assertEquals(429, gateway.post("/v1/chat/completions", REQUEST).statusCode(),
                    "an empty file leaves the last good budgets in force");
            Files.writeString(budgets, "# nothing but a comment\n");
            Thread.sleep(1_000);
            assertEquals(429, gateway.post("/v1/chat/completions", REQUEST).statusCode());

            Files.writeString(budgets, "{}\n");
            assertEquals(200, statusWithin(gateway, 200, 5_000));
        }
    }

    private static int statusWithin(Gateway gateway, int wanted, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        int status;
        do {
            HttpResponse<String> response = gateway.post("/v1/chat/completions", REQUEST);
            status = response.statusCode();
            if (status == wanted) {
                return status;
            }
            Thread.sleep(100);
        } while (System.currentTimeMillis() < deadline);
        return status;
    }
}
