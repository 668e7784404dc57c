package dev.caravan.routes;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.ledger.CostRecord;
import dev.caravan.ledger.Ledger;
import dev.caravan.ledger.PromptEstimate;
import dev.caravan.routing.Target;
import dev.caravan.support.BudgetApi;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The cost route and the spend and budgets API end to end: real gateway, embedded ledger in a temporary data
 * directory, real sockets. Cost records are wire-tapped (asynchronous), so spend is polled until it settles.
 */
class CostRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final long POLL_MILLIS = 10_000;

    @TempDir
    static Path dir;
    /** Mock models only; mock-stream tokens 300 ms apart so a client can leave mid-stream. */
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = Gateway.start(Map.of("caravan.mock.token-delay-ms", "300"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void concurrentRequestsAreEachRecordedOnceAndSpendIsTheExactSumOfTheirCosts() throws Exception {
        int requests = 200;
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<HttpResponse<String>>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < requests; i++) {
                // Prompts of 1 to 7 words plus a number: costs differ from request to request.
                String words = "word ".repeat(i % 7 + 1) + "n" + i;
                String body = "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + words + "\"}]}";
                futures.add(pool.submit(() -> gateway.post("/v1/chat/completions", body)));
            }
            BigDecimal sum = BigDecimal.ZERO;
            long promptTokens = 0;
            long completionTokens = 0;
            String model = null;
            Set<String> ids = new java.util.HashSet<>();
            for (Future<HttpResponse<String>> future : futures) {
                HttpResponse<String> response = future.get(120, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode(), response.body());
                sum = sum.add(new BigDecimal(response.headers().firstValue("x-caravan-cost").orElseThrow()));
                model = response.headers().firstValue("x-caravan-model").orElseThrow();
                ids.add(response.headers().firstValue("x-request-id").orElseThrow());
                JsonNode usage = JSON.readTree(response.body()).path("usage");
                promptTokens += usage.path("prompt_tokens").asLong();
                completionTokens += usage.path("completion_tokens").asLong();
            }
            assertEquals(requests, ids.size(), "every request has its own id");
            assertEquals("mock-echo", model);

            JsonNode row = poll(() -> spendRow("model", "mock-echo"),
                    r -> r != null && r.path("requests").asLong() >= requests);
            assertNotNull(row, "spend never counted " + requests + " requests: " + gateway.get("/v1/spend?groupBy=model").body());
            assertEquals(requests, row.path("requests").asLong(), row.toString());
            assertEquals(0, sum.compareTo(row.path("cost").decimalValue()),
                    "spend " + row.path("cost").decimalValue().toPlainString() + " != sum of headers " + sum.toPlainString());
            assertEquals(promptTokens, row.path("promptTokens").asLong());
            assertEquals(completionTokens, row.path("completionTokens").asLong());
            assertEquals(0, row.path("unreportedUsage").asLong());
            assertFalse(row.path("cost").asText().contains("E"), "cost in plain decimals: " + row);

            // Nothing counted twice after the fact.
            Thread.sleep(500);
            assertEquals(requests, spendRow("model", "mock-echo").path("requests").asLong());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aStreamIsRecordedWithItsUsageWhenItEnds() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"mock-stream\","
                + "\"stream\":true,\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"count to three\"}]}");
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("[DONE]"));
        String id = response.headers().firstValue("x-request-id").orElseThrow();

        CostRecord record = pollRecord(id);
        assertEquals(CostRecord.Status.OK, record.status());
        assertTrue(record.usageReported());
        assertEquals(3, record.promptTokens());
        assertEquals(3, record.completionTokens());
        // mock-stream: 1 USD per million prompt tokens, 2 per million completion tokens.
        assertEquals(0, new BigDecimal("0.000009").compareTo(record.cost()), record.cost().toPlainString());
        assertEquals("mock", record.provider());
        assertEquals("mock-stream", record.model());
        assertNotNull(record.timeToFirstTokenMillis());
    }

    @Test
    void aClientThatLeavesMidStreamLeavesAPartialRecord() throws Exception {
        long start = System.nanoTime();
        HttpResponse<InputStream> response = streamUntil(gateway, "{\"model\":\"mock-stream\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"go on and on\"}]}", "token1");
        String id = response.headers().firstValue("x-request-id").orElseThrow();
        response.body().close();

        CostRecord record = pollRecord(id);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(CostRecord.Status.PARTIAL, record.status());
        assertFalse(record.usageReported(), "the mock reports usage only at the end: recorded as unreported");
        assertEquals(0, record.promptTokens(), "the mock's stream gives no estimate of its prompt, as before");
        // 20 tokens 300 ms apart would take 6 s; the record comes when the client leaves.
        assertTrue(millis < 5_000, "the partial record took " + millis + " ms");

        JsonNode row = poll(() -> spendRow("model", "mock-stream"), r -> r != null && r.path("unreportedUsage").asLong() >= 1);
        assertNotNull(row, "spend does not count the unreported stream");
    }

    @Test
    void aStreamLeftBeforeItsUsageCameIsChargedTheWorstCaseItHeldNotNothing() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi(); Gateway budgeted = budgetedGateway(openAi, "10")) {
            countsToTen(openAi);
            HttpResponse<InputStream> response = streamUntil(budgeted, "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                    + "\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"count to ten\"}]}",
                    "\"content\":\"one\"");
            String id = response.headers().firstValue("x-request-id").orElseThrow();
            BigDecimal held = heldThenLeave(budgeted, response);

            JsonNode global = settledGlobalDaily(budgeted);
            assertEquals(0, global.path("reserved").decimalValue().signum(), global.toString());
            assertEquals(0, held.compareTo(global.path("spent").decimalValue()),
                    "settled at what it held (" + held.toPlainString() + "), not at zero: " + global);

            CostRecord record = pollRecord(budgeted, id);
            assertEquals(CostRecord.Status.PARTIAL, record.status());
            assertFalse(record.usageReported(), "the record says its usage is unknown");
            assertEquals(0, held.compareTo(record.cost()), "its cost is the estimate: " + record.cost().toPlainString());
            JsonNode row = poll(() -> spendRow(budgeted, "model", "gpt-4o-mini"),
                    r -> r != null && r.path("unreportedUsage").asLong() >= 1);
            assertNotNull(row, "spend does not count the unreported stream");
            assertEquals(0, held.compareTo(row.path("cost").decimalValue()), row.toString());
        }
    }

    /** The chain's hold covers its costliest target; a stream cut short costs the most the one that served could. */
    @Test
    void aStreamLeftBeforeItsUsageCostsTheWorstCaseOfTheTargetThatServedNotOfItsCostliestFallback() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi();
             Gateway budgeted = budgetedWithCatalogEdit(openAi, "fallbacks:\n",
                     "fallbacks:\n  gpt-4o-mini: [gpt-4o]\n")) {
            countsToTen(openAi);
            HttpResponse<InputStream> response = streamUntil(budgeted, "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                    + "\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"count to ten\"}]}",
                    "\"content\":\"one\"");
            String id = response.headers().firstValue("x-request-id").orElseThrow();
            BigDecimal held = heldThenLeave(budgeted, response);

            BigDecimal spent = settledGlobalDaily(budgeted).path("spent").decimalValue();
            // gpt-4o's prices are about 16 times gpt-4o-mini's: the hold is gpt-4o's worst case
            assertTrue(spent.signum() > 0 && spent.multiply(BigDecimal.TEN).compareTo(held) < 0,
                    "spent " + spent.toPlainString() + " of the " + held.toPlainString() + " held");
            CostRecord record = pollRecord(budgeted, id);
            assertFalse(record.usageReported());
            assertEquals(0, spent.compareTo(record.cost()), record.cost().toPlainString());
        }
    }

    /**
     * Without max_tokens the hold is the model's whole output allowance (16,384 tokens for gpt-4o-mini); a stream left
     * after a fraction of a second is charged its prompt and the output a model could make in that time, here at one
     * token per second.
     */
    @Test
    void aStreamLeftEarlyIsChargedTheOutputItsTimeAllowsNotItsWholeAllowance() throws Exception {
        Path budgets = Files.writeString(Files.createTempFile(dir, "budgets", ".yaml"), "global: {daily: 10}\n");
        try (FakeOpenAi openAi = new FakeOpenAi();
             Gateway budgeted = Gateway.start(Map.of("caravan.ledger.budgets-file", budgets.toString(),
                     "caravan.ledger.cut-stream-tokens-per-second", "1",
                     "caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key", "sk-test"))) {
            countsToTen(openAi);
            long sent = System.nanoTime();
            HttpResponse<InputStream> response = streamUntil(budgeted, "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"count to ten\"}]}", "\"content\":\"one\"");
            String id = response.headers().firstValue("x-request-id").orElseThrow();
            BigDecimal held = heldThenLeave(budgeted, response);

            CostRecord record = pollRecord(budgeted, id);
            long seconds = (long) Math.ceil((System.nanoTime() - sent) / 1e9);
            // the prompt counted generously: 1 + its 12 characters + 8 for the message
            long prompt = 21;
            BigDecimal least = usd(prompt * 0.15 + 0.60);
            BigDecimal most = usd(prompt * 0.15 + seconds * 0.60);
            assertFalse(record.usageReported());
            assertTrue(record.cost().compareTo(least) >= 0 && record.cost().compareTo(most) <= 0,
                    record.cost().toPlainString() + " not within " + least + " and " + most);
            assertTrue(held.compareTo(usd(prompt * 0.15 + 16_384 * 0.60)) == 0, "held " + held.toPlainString());
            JsonNode global = settledGlobalDaily(budgeted);
            assertEquals(0, record.cost().compareTo(global.path("spent").decimalValue()), global.toString());
        }
    }

    /**
     * A model's catalog entry may say how fast it generates (outputTokensPerSecond): a stream of it cut short is
     * charged at that rate, here one token a second, not at the gateway's default of 500.
     */
    @Test
    void aStreamLeftEarlyIsChargedAtItsModelsOwnRateWhenTheCatalogGivesOne() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi();
             Gateway budgeted = budgetedWithCatalogEdit(openAi, "maxOutputTokens: 16384}",
                     "maxOutputTokens: 16384, outputTokensPerSecond: 1}")) {
            countsToTen(openAi);
            long sent = System.nanoTime();
            HttpResponse<InputStream> response = streamUntil(budgeted, "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"count to ten\"}]}", "\"content\":\"one\"");
            String id = response.headers().firstValue("x-request-id").orElseThrow();
            heldThenLeave(budgeted, response);

            CostRecord record = pollRecord(budgeted, id);
            long seconds = (long) Math.ceil((System.nanoTime() - sent) / 1e9);
            long prompt = 21;
            // at the default 500 tokens a second even a tenth of a second would be 50 tokens
            BigDecimal most = usd(prompt * 0.15 + seconds * 0.60);
            assertFalse(record.usageReported());
            assertTrue(record.cost().compareTo(most) <= 0, record.cost().toPlainString() + " above " + most);
        }
    }

    /**
     * OpenAI reports a stream's usage only in its last chunk: the record (and /v1/spend) of a stream its caller leaves
     * before it says the gateway's count of the prompt, the one its budget hold made, marked as an estimate, not 0.
     */
    @Test
    void anOpenAiStreamLeftBeforeItsUsageCameRecordsTheGatewaysCountOfItsPromptNotZero() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi();
             Gateway direct = Gateway.start(Map.of("caravan.openai.base-url", openAi.baseUrl(),
                     "caravan.openai.api-key", "sk-test"))) {
            countsToTen(openAi);
            HttpResponse<InputStream> response = streamUntil(direct, "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"count to ten\"}]}", "\"content\":\"one\"");
            String id = response.headers().firstValue("x-request-id").orElseThrow();
            response.body().close();

            CostRecord record = pollRecord(direct, id);
            assertEquals(CostRecord.Status.PARTIAL, record.status());
            assertFalse(record.usageReported(), "an estimate");
            long prompt = PromptEstimate.tokens(new ChatRequest("gpt-4o-mini",
                    List.of(ChatMessage.of("user", "count to ten")), null, null, null, null, true, false, null, null,
                    null, null), new Target("openai", "gpt-4o-mini"));
            assertEquals(21, prompt, "1 + its 12 characters + 8 for the message");
            assertEquals(prompt, record.promptTokens());
            JsonNode row = poll(() -> spendRow(direct, "model", "gpt-4o-mini"),
                    r -> r != null && r.path("unreportedUsage").asLong() >= 1);
            assertNotNull(row, "spend does not count the unreported stream");
            assertEquals(prompt, row.path("promptTokens").asLong(), row.toString());
        }
    }

    /**
     * A named account's stream goes the OpenAI way too: an Azure OpenAI deployment (a named account, OpenAI's stream at
     * Azure's path) that its caller leaves before the usage chunk is recorded with the gateway's count of its prompt
     * and the served deployment, not 0.
     */
    @Test
    void aNamedAzureAccountsStreamLeftBeforeItsUsageCameRecordsTheGatewaysCountOfItsPrompt() throws Exception {
        Path catalog = Files.writeString(Files.createTempFile(dir, "catalog", ".yaml"),
                Files.readString(Path.of("config/catalog.yaml"))
                        .replace("\nmodels:\n", "\nmodels:\n  azure-openai/my-gpt4o: {input: 2.50, output: 10.00}\n")
                        + "\ndeployments:\n  azure-4o:\n    - {target: azure-openai/my-gpt4o, account: azure-east}\n");
        try (FakeOpenAi azure = new FakeOpenAi();
             Gateway named = Gateway.start(Map.of("caravan.catalog.file", catalog.toString(),
                     "caravan.accounts", "azure-east",
                     "caravan.accounts.azure-east.provider", "azure-openai",
                     "caravan.accounts.azure-east.base-url", azure.baseUrl().replace("/v1", ""),
                     "caravan.accounts.azure-east.api-key", "azure-key-test"))) {
            countsToTen(azure);
            HttpResponse<InputStream> response = streamUntil(named, "{\"model\":\"azure-4o\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"count to ten\"}]}", "\"content\":\"one\"");
            String id = response.headers().firstValue("x-request-id").orElseThrow();
            response.body().close();

            CostRecord record = pollRecord(named, id);
            assertEquals("/openai/deployments/my-gpt4o/chat/completions", azure.received().get(0).path());
            assertEquals("azure-openai", record.provider());
            assertEquals("my-gpt4o", record.servedModel());
            assertEquals(CostRecord.Status.PARTIAL, record.status());
            assertFalse(record.usageReported(), "an estimate");
            long prompt = PromptEstimate.tokens(new ChatRequest("azure-4o",
                    List.of(ChatMessage.of("user", "count to ten")), null, null, null, null, true, false, null, null,
                    null, null), new Target("azure-openai", "my-gpt4o"));
            assertTrue(prompt > 0);
            assertEquals(prompt, record.promptTokens());
            assertTrue(record.cost().signum() > 0, "priced at the deployment's input price: " + record.cost());
        }
    }

    /** A gateway with a global daily budget, calling {@code openAi}, on the shipped catalog with one edit. */
    private static Gateway budgetedWithCatalogEdit(FakeOpenAi openAi, String from, String to) throws Exception {
        Path catalog = Files.writeString(Files.createTempFile(dir, "catalog", ".yaml"),
                Files.readString(Path.of("config/catalog.yaml")).replace(from, to));
        Path budgets = Files.writeString(Files.createTempFile(dir, "budgets", ".yaml"), "global: {daily: 10}\n");
        return Gateway.start(Map.of("caravan.ledger.budgets-file", budgets.toString(),
                "caravan.catalog.file", catalog.toString(),
                "caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key", "sk-test"));
    }

    /** OpenAI streams ten words 100 ms apart and its usage chunk last: a client that leaves early never sees it. */
    private static void countsToTen(FakeOpenAi openAi) {
        openAi.always(FakeOpenAi.sse(100, FakeOpenAi.streamChunks(List.of("one", " two", " three", " four", " five",
                " six", " seven", " eight", " nine", " ten"), 9)));
    }

    /** US dollars for {@code microDollars} millionths of a dollar (prices are per million tokens). */
    private static BigDecimal usd(double microDollars) {
        return BigDecimal.valueOf(microDollars).movePointLeft(6);
    }

    @Test
    void anAnthropicStreamLeftAfterItsFirstUsageIsChargedItsReportedPromptAndItsOutputNotItsPromptAlone()
            throws Exception {
        Path budgets = Files.writeString(Files.createTempFile(dir, "budgets", ".yaml"), "global: {daily: 10}\n");
        try (FakeAnthropic anthropic = new FakeAnthropic("sk-ant-test");
             Gateway budgeted = Gateway.start(Map.of("caravan.ledger.budgets-file", budgets.toString(),
                     "caravan.anthropic.base-url", anthropic.baseUrl(), "caravan.anthropic.api-key", "sk-ant-test"))) {
            // Anthropic reports the prompt's tokens (and one output token) as the stream begins and the rest in
            // message_delta at the end: a client that leaves in between leaves only the first, partial usage.
            anthropic.always(anthropic.reply(FakeAnthropic.pieces(List.of("one", " two", " three", " four", " five",
                    " six", " seven", " eight"), "end_turn", 12, 8).delayed(100)));
            HttpResponse<InputStream> response = streamUntil(budgeted, "{\"model\":\"claude-3-5-haiku-20241022\","
                    + "\"stream\":true,\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}",
                    "\"content\":\"one\"");
            String id = response.headers().firstValue("x-request-id").orElseThrow();
            BigDecimal held = heldThenLeave(budgeted, response);

            CostRecord record = pollRecord(budgeted, id);
            assertEquals(CostRecord.Status.PARTIAL, record.status());
            assertFalse(record.usageReported(), "the prompt's usage alone is not the stream's usage");
            // Anthropic's 12 prompt tokens, not the hold's generous count, and the 50 tokens of max_tokens, which a
            // model makes in a tenth of a second at the default 500 a second
            BigDecimal estimate = usd(12 * 0.80 + 50 * 4.00);
            // the record keeps the count Anthropic gave in message_start, not the gateway's (1 + 5 + 8 = 14)
            assertEquals(12, record.promptTokens());
            assertEquals(0, estimate.compareTo(record.cost()), "its cost is the estimate: " + record.cost().toPlainString());
            assertTrue(estimate.compareTo(held) < 0, "held " + held.toPlainString());
            JsonNode global = settledGlobalDaily(budgeted);
            assertEquals(0, estimate.compareTo(global.path("spent").decimalValue()), global.toString());
        }
    }

    @Test
    void badSpendQueriesAre400NamingTheParameter() throws Exception {
        assertBadQuery("/v1/spend?groupBy=bogus", "groupBy", "bogus");
        assertBadQuery("/v1/spend?groupBy=model&from=2026-03-10&to=2026-03-01", "from", "before");
        assertBadQuery("/v1/spend?from=2026-13-45", "from", "2026-13-45");
        assertBadQuery("/v1/spend?to=yesterday", "to", "yesterday");
        assertBadQuery("/v1/spend?from=2020-01-01&to=2026-01-01", "from", "366");
        // A scope narrows the daily series only; other groupings would answer everyone's spend as if it were its.
        assertBadQuery("/v1/spend?groupBy=model&scope=user:alice", "scope", "groupBy=day");
        assertBadQuery("/v1/spend?scope=alice", "scope", "'alice'");
        assertBadQuery("/v1/spend?scope=team:alice", "scope", "'team:alice'");
        assertBadQuery("/v1/spend?scope=user:", "scope", "'user:'");
        for (String scope : new String[] {"global", "user:alice", "application:checkout", "key:key_1", "model:gpt-4o",
                "provider:openai"}) {
            HttpResponse<String> scoped = gateway.get("/v1/spend?scope=" + scope + "&from=2020-01-01&to=2020-01-31");
            assertEquals(200, scoped.statusCode(), scope + ": " + scoped.body());
        }

        HttpResponse<String> ok = gateway.get("/v1/spend?groupBy=provider&from=2020-01-01&to=2020-01-31");
        assertEquals(200, ok.statusCode(), ok.body());
        JsonNode body = JSON.readTree(ok.body());
        assertEquals("provider", body.path("groupBy").asText());
        assertEquals("2020-01-01", body.path("from").asText());
        assertEquals(0, body.path("data").size());
    }

    @Test
    void httpHeadersAreNotTakenForQueryParameters() throws Exception {
        // "From" is a standard HTTP request header (RFC 9110); only the query string may set the spend range.
        HttpResponse<String> from = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/v1/spend?groupBy=model"))
                .header("From", "ops@example.com").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, from.statusCode(), from.body());

        HttpResponse<String> groupBy = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + "/v1/spend?groupBy=model"))
                .header("groupBy", "bogus").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, groupBy.statusCode(), groupBy.body());
        assertEquals("model", JSON.readTree(groupBy.body()).path("groupBy").asText());

        HttpResponse<String> encoded = gateway.get("/v1/spend?groupBy=%6Dodel&from=2020-01-01&to=2020-01-02");
        assertEquals(200, encoded.statusCode(), encoded.body());
        assertEquals("model", JSON.readTree(encoded.body()).path("groupBy").asText());
    }

    private static void assertBadQuery(String path, String param, String mention) throws Exception {
        HttpResponse<String> response = gateway.get(path);
        assertEquals(400, response.statusCode(), path + ": " + response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("invalid_request_error", error.path("type").asText(), path);
        assertEquals(param, error.path("param").asText(), path + ": " + error);
        assertTrue(error.path("message").asText().contains(mention), path + ": " + error);
    }

    @Test
    void overBudgetIs429BudgetExceededAndNothingReachesTheProvider() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi(); Gateway budgeted = budgetedGateway(openAi, "0.0001")) {
            Instant resetsAt = LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            HttpResponse<String> response = budgeted.post("/v1/chat/completions", "{\"model\":\"gpt-4o\","
                    + "\"max_tokens\":100000,\"messages\":[{\"role\":\"user\",\"content\":\"Write a novel\"}]}");

            assertEquals(429, response.statusCode(), response.body());
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertEquals("budget_exceeded", error.path("type").asText());
            assertEquals("budget_exceeded", error.path("code").asText());
            String message = error.path("message").asText();
            assertTrue(message.contains("global daily budget of 0.0001 USD"), message);
            // Nothing was spent yet: the budget is not used up, this request's worst case can never fit in it, so
            // waiting for the reset would not help and no Retry-After says it would.
            assertTrue(message.contains("worst-case cost of "), message);
            assertTrue(message.contains("is more than the whole global daily budget of 0.0001 USD allows"), message);
            assertTrue(message.contains("lower max_tokens"), message);
            assertTrue(response.headers().firstValue("retry-after").isEmpty(), response.headers().toString());
            assertEquals("false", response.headers().firstValue("x-should-retry").orElse(null),
                    "the OpenAI SDKs would retry it twice: " + response.headers());
            assertTrue(response.headers().firstValue("x-request-id").isPresent());
            assertTrue(openAi.received().isEmpty(), "nothing may reach the provider: " + openAi.received());

            // A streaming request is refused the same way, before its answer begins.
            HttpResponse<String> stream = budgeted.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,"
                    + "\"max_tokens\":100000,\"messages\":[{\"role\":\"user\",\"content\":\"Write a novel\"}]}");
            assertEquals(429, stream.statusCode(), stream.body());
            assertTrue(openAi.received().isEmpty());

            JsonNode global = globalDaily(budgeted);
            assertEquals(LocalDate.now(ZoneOffset.UTC).toString(), global.path("periodKey").asText());
            assertEquals(0, new BigDecimal("0.0001").compareTo(global.path("limit").decimalValue()), global.toString());
            assertEquals(0, global.path("spent").decimalValue().signum(), global.toString());
            assertEquals(0, global.path("reserved").decimalValue().signum(), global.toString());
            assertEquals(0, new BigDecimal("0.0001").compareTo(global.path("remaining").decimalValue()));
            assertEquals(resetsAt.toString(), global.path("resetsAt").asText());

            // A small request fits; the budget then holds its real cost: 12 * 0.15 + 5 * 0.60 per million tokens.
            HttpResponse<String> small = budgeted.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\","
                    + "\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"Hello there, how are you?\"}]}");
            assertEquals(200, small.statusCode(), small.body());
            assertEquals(1, openAi.received().size());
            JsonNode after = globalDaily(budgeted);
            assertEquals(0, new BigDecimal("0.0000048").compareTo(after.path("spent").decimalValue()), after.toString());
            assertEquals(0, after.path("reserved").decimalValue().signum(), after.toString());
        }
    }

    @Test
    void concurrentRequestsNeverOvershootABudget() throws Exception {
        try (FakeOpenAi openAi = new FakeOpenAi(); Gateway budgeted = budgetedGateway(openAi, "0.0001")) {
            // Each answer costs 0.0000048 USD and takes 100 ms, so reservations overlap; 40 would cost 0.000192.
            FakeOpenAi.Answer answer = FakeOpenAi.json(200, FakeOpenAi.chatCompletion("Fine, thanks.", 12, 5));
            openAi.always(exchange -> {
                FakeOpenAi.pause(100);
                answer.send(exchange);
            });
            int requests = 40;
            BudgetApi.Race race = BudgetApi.race(List.of(budgeted), requests);
            int ok = race.answered();
            assertTrue(ok > 0, "nothing fitted the budget");
            assertTrue(race.refused() > 0, "the budget refused nothing: " + ok + " answered");
            assertEquals(ok, openAi.received().size(), "only answered requests reached the provider");

            JsonNode global = globalDaily(budgeted);
            BigDecimal limit = global.path("limit").decimalValue();
            BigDecimal spent = global.path("spent").decimalValue();
            assertTrue(spent.compareTo(limit) <= 0, "spent " + spent.toPlainString() + " over " + limit.toPlainString());
            assertEquals(0, new BigDecimal("0.0000048").multiply(BigDecimal.valueOf(ok)).compareTo(spent),
                    ok + " answered, spent " + spent.toPlainString());
            assertEquals(0, global.path("reserved").decimalValue().signum(), "reservations left: " + global);

            // The ledger's spend agrees with the budget's.
            JsonNode row = poll(() -> spendRow(budgeted, "model", "gpt-4o-mini"),
                    r -> r != null && r.path("requests").asLong() >= requests);
            assertNotNull(row, "spend never counted all requests");
            assertEquals(requests, row.path("requests").asLong(), "refused requests are recorded too: " + row);
            assertEquals(0, spent.compareTo(row.path("cost").decimalValue()), row.toString());
        }
    }

    private static Gateway budgetedGateway(FakeOpenAi openAi, String dailyLimit) throws Exception {
        Path budgets = Files.createTempFile(dir, "budgets", ".yaml");
        Files.writeString(budgets, "global: {daily: " + dailyLimit + "}\n");
        return Gateway.start(Map.of("caravan.ledger.budgets-file", budgets.toString(),
                "caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key", "sk-test"));
    }

    /** What the stream holds on the global daily budget while it runs; then the client leaves. */
    private static BigDecimal heldThenLeave(Gateway target, HttpResponse<InputStream> response) throws Exception {
        BigDecimal held = globalDaily(target).path("reserved").decimalValue();
        assertTrue(held.signum() > 0, "the stream holds its worst case while it runs");
        response.body().close();
        return held;
    }

    /** The global daily budget once nothing is reserved on it any more. */
    private static JsonNode settledGlobalDaily(Gateway target) throws InterruptedException {
        return poll(() -> {
            try {
                return globalDaily(target);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, g -> g.path("reserved").decimalValue().signum() == 0);
    }

    private static JsonNode globalDaily(Gateway target) throws Exception {
        return BudgetApi.globalDaily(target);
    }

    private static JsonNode spendRow(String groupBy, String group) {
        return spendRow(gateway, groupBy, group);
    }

    private static JsonNode spendRow(Gateway target, String groupBy, String group) {
        return BudgetApi.spendRow(target, groupBy, group);
    }

    /** Opens a stream and reads it up to the first line holding {@code token}; the caller then closes its body. */
    private static HttpResponse<InputStream> streamUntil(Gateway target, String json, String token) throws Exception {
        HttpResponse<InputStream> response = target.http().send(HttpRequest.newBuilder(
                        URI.create(target.baseUrl() + "/v1/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null && !line.contains(token)) {
            // skip to the token
        }
        assertNotNull(line, "the stream ended before " + token);
        return response;
    }

    private static CostRecord pollRecord(String recordId) throws InterruptedException {
        return pollRecord(gateway, recordId);
    }

    private static CostRecord pollRecord(Gateway target, String recordId) throws InterruptedException {
        Ledger ledger = target.context().getRegistry().lookupByNameAndType("ledger", Ledger.class);
        assertNotNull(ledger, "no ledger bean");
        Optional<CostRecord> record = poll(() -> ledger.store().find(recordId), Optional::isPresent);
        assertTrue(record.isPresent(), "no cost record for " + recordId);
        return record.get();
    }

    /** The value once it passes, or the last one seen after {@link #POLL_MILLIS}. */
    private static <T> T poll(Supplier<T> read, Predicate<T> done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + POLL_MILLIS;
        T value = read.get();
        while (!done.test(value) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            value = read.get();
        }
        return value;
    }
}
