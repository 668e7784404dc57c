package dev.caravan.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.caravan.ops.LogLines;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import dev.caravan.routing.Breakers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.caravan.resilience.Calls.JSON;
import static dev.caravan.resilience.Calls.attempts;
import static dev.caravan.resilience.Calls.chat;
import static dev.caravan.resilience.Calls.dataEvents;
import static dev.caravan.resilience.Calls.provider;
import static dev.caravan.resilience.Calls.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several accounts per provider, through the real gateway: the default OpenAI account and a named backup account,
 * each a fake OpenAI of its own, share a model 3:1; a failing backup opens its own breaker and stops receiving calls
 * while the primary keeps serving with its breaker closed; an Azure OpenAI account answers in OpenAI's shape at the
 * Azure path with its api-key header and api-version, streaming and not; an account without a key is not offered; a
 * catalog naming an unknown account is rejected at reload while the previous catalog serves; no key ever shows in an
 * answer or a log line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeveralAccountsTest {

    static final String PRIMARY_KEY = "sk-primary-1f2e3d4c5b6a";
    static final String BACKUP_KEY = "sk-backup-9a8b7c6d5e4f";
    static final String AZURE_KEY = "azure-key-0a1b2c3d4e5f";
    /** OpenAI's answer to a wrong key, which quotes the key's start and end. */
    static final String REFUSED_BACKUP_KEY = "{\"error\":{\"message\":\"Incorrect API key provided: sk-back****4e5f.\","
            + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}";
    static final List<String> SECRETS = List.of(PRIMARY_KEY, BACKUP_KEY, AZURE_KEY, "sk-back****");
    static final String AZURE_PATH = "/openai/deployments/my-gpt4o/chat/completions";
    static final String DEPLOYMENTS = """
            deployments:
              gpt-4o:
                - {target: openai/gpt-4o, weight: 3}
                - {target: openai/gpt-4o, account: openai-backup, weight: 1}
              spare-4o:
                - openai/gpt-4o
                - {target: openai/gpt-4o, account: spare}
              only-spare:
                - {target: openai/gpt-4o, account: spare}
              azure-4o:
                - {target: azure-openai/my-gpt4o, account: azure-east}
            """;

    @TempDir
    static Path dir;
    static Path catalog;
    static String goodCatalog;
    static FakeOpenAi primary;
    static FakeOpenAi backup;
    static FakeOpenAi azure;
    /** What the fake Azure endpoint was asked: path?query. */
    static final List<String> azureUris = new CopyOnWriteArrayList<>();
    static final List<HttpResponse<String>> answers = new CopyOnWriteArrayList<>();
    static final List<LogLines> logs = new ArrayList<>();
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        for (String logger : List.of("dev.caravan", "org.apache.camel", "caravan.access")) {
            logs.add(LogLines.capture(logger));
        }
        primary = new FakeOpenAi();
        backup = new FakeOpenAi();
        azure = new FakeOpenAi();
        catalog = dir.resolve("catalog.yaml");
        goodCatalog = Files.readString(Path.of("config/catalog.yaml"))
                .replace("\nmodels:\n", "\nmodels:\n  azure-openai/my-gpt4o: {input: 2.50, output: 10.00}\n")
                + "\n" + DEPLOYMENTS;
        Files.writeString(catalog, goodCatalog);
        gateway = Gateway.start(Map.ofEntries(
                Map.entry("caravan.openai.base-url", primary.baseUrl()),
                Map.entry("caravan.openai.api-key", PRIMARY_KEY),
                Map.entry("caravan.accounts", "openai-backup, azure-east, spare"),
                Map.entry("caravan.accounts.openai-backup.provider", "openai"),
                Map.entry("caravan.accounts.openai-backup.base-url", backup.baseUrl()),
                Map.entry("caravan.accounts.openai-backup.api-key", BACKUP_KEY),
                Map.entry("caravan.accounts.azure-east.provider", "azure-openai"),
                Map.entry("caravan.accounts.azure-east.base-url", azure.baseUrl().replace("/v1", "")),
                Map.entry("caravan.accounts.azure-east.api-key", AZURE_KEY),
                Map.entry("caravan.accounts.azure-east.api-version", "2024-10-21"),
                Map.entry("caravan.accounts.spare.provider", "openai"),
                Map.entry("caravan.openai.retry.max-retries", "0"),
                Map.entry("caravan.azure-openai.retry.max-retries", "0"),
                // Small windows so that a failing account's breaker opens after four calls.
                Map.entry("caravan.openai.breaker.window", "4"),
                Map.entry("caravan.openai.breaker.minimum-calls", "4"),
                Map.entry("caravan.openai.breaker.open-seconds", "60"),
                // No cooldown: the breaker alone takes a failing account out of the rotation.
                Map.entry("caravan.deployments.failure-cooldown-ms", "0"),
                Map.entry("caravan.catalog.reload-period-ms", "200"),
                Map.entry("caravan.catalog.file", catalog.toString())));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        primary.close();
        backup.close();
        azure.close();
        logs.forEach(LogLines::close);
    }

    @BeforeEach
    void reset() {
        for (String breaker : List.of("openai", "account-openai-backup", "account-azure-east")) {
            breakers().breaker(breaker, breaker.equals("account-azure-east") ? "azure-openai" : "openai")
                    .transitionToClosedState();
        }
        for (FakeOpenAi fake : List.of(primary, backup, azure)) {
            fake.received().clear();
            fake.always(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("Hello from the fake.", 12, 5)));
        }
        azureUris.clear();
    }

    @Test
    @Order(1)
    void twoOpenAiAccountsShareAModelByWeight() throws Exception {
        int total = 200;
        for (int i = 0; i < total; i++) {
            HttpResponse<String> response = send("gpt-4o", false);
            assertEquals(200, response.statusCode());
            assertEquals("openai", provider(response));
            assertEquals(1, attempts(response));
        }
        int toBackup = backup.received().size();
        assertEquals(total, primary.received().size() + toBackup);
        // Expected 50 of 200 (weight 1 of 4); the bounds are about six standard deviations wide.
        assertTrue(toBackup > 15 && toBackup < 85, "the backup account served " + toBackup + " of " + total);
        for (FakeOpenAi.Received received : primary.received()) {
            assertEquals("Bearer " + PRIMARY_KEY, received.header("Authorization"));
            assertEquals("/v1/chat/completions", received.path());
        }
        for (FakeOpenAi.Received received : backup.received()) {
            assertEquals("Bearer " + BACKUP_KEY, received.header("Authorization"));
            assertEquals("/v1/chat/completions", received.path());
        }
    }

    @Test
    @Order(2)
    void aFailingAccountOpensItsOwnBreakerAndStopsReceivingCallsWhileTheOtherServes() throws Exception {
        backup.always(FakeOpenAi.json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
        int moved = sendUntilTheBackupsBreakerOpens();
        assertTrue(breakerOpen("account-openai-backup"), "the failing account's breaker opened");
        assertEquals(4, backup.received().size(), "four failed calls in the window of four opened it");
        assertEquals(4, moved, "each failed call was followed by the other account, in the same request");
        assertFalse(breakerOpen("openai"), "the default account's breaker stays closed");

        int before = primary.received().size();
        for (int i = 0; i < 40; i++) {
            HttpResponse<String> response = send("gpt-4o", false);
            assertEquals(200, response.statusCode());
            assertEquals(1, attempts(response), "the open account is passed over, not tried");
        }
        assertEquals(4, backup.received().size(), "nothing reaches the account while its breaker is open");
        assertEquals(before + 40, primary.received().size());
        assertFalse(breakerOpen("openai"));
    }

    @Test
    @Order(3)
    void azureDeploymentAnswersInOpenAiShape() throws Exception {
        azure.always(azure(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("Hello from Azure.", 9, 4))));
        HttpResponse<String> response = send("azure-4o", false);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("azure-openai", provider(response));
        assertEquals(1, attempts(response));
        JsonNode body = JSON.readTree(response.body());
        assertEquals("chat.completion", body.path("object").asText());
        assertEquals("Hello from Azure.", body.path("choices").path(0).path("message").path("content").asText());
        assertEquals(9, body.path("usage").path("prompt_tokens").asInt());

        assertEquals(List.of(AZURE_PATH + "?api-version=2024-10-21"), azureUris);
        FakeOpenAi.Received received = azure.received().get(0);
        assertEquals(AZURE_KEY, received.header("api-key"));
        assertNull(received.header("Authorization"), "Azure gets its api-key header, no bearer token");
        assertEquals("my-gpt4o", JSON.readTree(received.body()).path("model").asText());
        assertTrue(primary.received().isEmpty() && backup.received().isEmpty());

        HttpResponse<String> simple = answer(chat(gateway, "simple", "azure-4o", false));
        assertEquals(200, simple.statusCode(), simple.body());
        assertEquals("azure-openai", JSON.readTree(simple.body()).path("provider").asText());
    }

    @Test
    @Order(4)
    void azureDeploymentStreams() throws Exception {
        azure.always(azure(FakeOpenAi.sse(5, FakeOpenAi.streamChunks(List.of("Hello", " from", " Azure"), 7))));
        HttpResponse<String> response = send("azure-4o", true);
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertEquals("azure-openai", provider(response));
        assertEquals("Hello from Azure", text(response));
        List<String> events = dataEvents(response.body());
        assertEquals("[DONE]", events.get(events.size() - 1));
        assertEquals(List.of(AZURE_PATH + "?api-version=2024-10-21"), azureUris);
        assertEquals(AZURE_KEY, azure.received().get(0).header("api-key"));
        assertTrue(JSON.readTree(azure.received().get(0).body()).path("stream").asBoolean());
    }

    @Test
    @Order(5)
    void aBackupKeyTheProviderRefusesIsAFailureOfThatAccountWhileTheOtherServes() throws Exception {
        backup.always(FakeOpenAi.json(401, REFUSED_BACKUP_KEY));
        int moved = sendUntilTheBackupsBreakerOpens();
        assertTrue(breakerOpen("account-openai-backup"), "the refusals count against the account's breaker");
        assertEquals(4, backup.received().size(), "each refusal went to the other account at once, no retry");
        assertEquals(4, moved);
        assertFalse(breakerOpen("openai"));
        List<LogLines.Line> warnings = logs.get(0).matching(line -> "WARN".equals(line.level())
                && line.message().contains("openai account openai-backup: the provider refused the gateway's "
                + "credentials (HTTP 401)"));
        assertEquals(4, warnings.size(), "one WARN per refused call names the account");
    }

    @Test
    @Order(6)
    void anAzureKeyTheProviderRefusesIsA502NamingTheAccountWithoutTheProvidersWords() throws Exception {
        azure.always(FakeOpenAi.json(401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to "
                + "invalid subscription key or wrong API endpoint.\"}}"));
        HttpResponse<String> response = send("azure-4o", false);
        assertEquals(502, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertEquals("upstream_credentials_refused", error.path("code").asText());
        assertTrue(error.path("message").asText().startsWith("azure-openai account azure-east: the provider refused "
                + "the gateway's credentials (HTTP 401)"), response.body());
        assertFalse(response.body().contains("Access denied"), response.body());
        assertEquals(1, azure.received().size(), "the same key is not tried again");
    }

    @Test
    @Order(7)
    void anAccountWithoutAKeyIsNotOffered() throws Exception {
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> response = send("spare-4o", false);
            assertEquals(200, response.statusCode());
            assertEquals(1, attempts(response));
        }
        assertEquals(10, primary.received().size(), "only the default account serves");
        HttpResponse<String> none = send("only-spare", false);
        assertEquals(503, none.statusCode(), none.body());
        assertEquals("provider_not_configured", JSON.readTree(none.body()).path("error").path("code").asText());
    }

    @Test
    @Order(8)
    void aCatalogNamingAnUnknownAccountIsRejectedAtReload() throws Exception {
        String bad = goodCatalog.replace("aliases:\n", "aliases:\n  marker: mock-echo\n")
                .replace("account: openai-backup", "account: openai-nowhere");
        Files.writeString(catalog, bad);
        List<LogLines.Line> rejected = logs.get(0).await(line -> line.message().contains("rejected")
                && line.message().contains("'openai-nowhere' is not a configured account"), 1, 10_000);
        assertEquals(1, rejected.size(), "one log line says why");
        assertEquals("ERROR", rejected.get(0).level());
        assertTrue(rejected.get(0).message().contains("deployments.gpt-4o[1].account"), rejected.get(0).message());

        assertEquals(404, send("marker", false).statusCode(), "nothing of the rejected edit is live");
        assertEquals(200, send("gpt-4o", false).statusCode(), "the previous catalog keeps serving");
        assertEquals(200, send("azure-4o", false).statusCode());

        // An account of another provider than its target is rejected the same way.
        Files.writeString(catalog, goodCatalog.replace("account: openai-backup", "account: azure-east"));
        assertEquals(1, logs.get(0).await(line -> line.message().contains("'azure-east' is an azure-openai account"),
                1, 10_000).size());

        Files.writeString(catalog, goodCatalog);
        assertFalse(logs.get(0).await(line -> line.message().contains("reloaded"), 1, 10_000).isEmpty());
        assertEquals(200, send("gpt-4o", false).statusCode());
    }

    @Test
    @Order(9)
    void noKeyIsEverInAnAnswerOrALogLine() {
        assertTrue(answers.size() > 200, "the other tests' answers were kept");
        for (HttpResponse<String> response : answers) {
            for (String secret : SECRETS) {
                assertFalse(response.body().contains(secret), "a key in an answer: " + response.body());
                assertFalse(response.headers().toString().contains(secret), "a key in a header");
            }
        }
        int lines = 0;
        for (LogLines log : logs) {
            for (LogLines.Line line : log.lines()) {
                lines++;
                for (String secret : SECRETS) {
                    assertFalse(line.message().contains(secret), "a key in the log: " + line);
                }
            }
        }
        assertTrue(lines > 200, "the log was captured (" + lines + " lines)");
        assertTrue(logs.get(2).lines().size() >= 200, "the access log was captured");
        assertTrue(logs.stream().flatMap(l -> l.lines().stream())
                .anyMatch(l -> l.message().contains("Provider account azure-east")), "accounts are logged at start");
    }

    /** The fake Azure OpenAI: {@code ok} for the right path, api-version and api-key; 404 or 401 otherwise. */
    static FakeOpenAi.Answer azure(FakeOpenAi.Answer ok) {
        return exchange -> {
            azureUris.add(exchange.getRequestURI().getRawPath() + "?" + exchange.getRequestURI().getRawQuery());
            if (!AZURE_PATH.equals(exchange.getRequestURI().getPath())
                    || !"api-version=2024-10-21".equals(exchange.getRequestURI().getRawQuery())) {
                FakeOpenAi.json(404, "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}").send(exchange);
            } else if (!AZURE_KEY.equals(header(exchange, "api-key"))) {
                FakeOpenAi.json(401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied\"}}").send(exchange);
            } else {
                ok.send(exchange);
            }
        };
    }

    static String header(HttpExchange exchange, String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    /**
     * Sends gpt-4o (shared by the default account and the backup) until the backup's breaker opens; each answer comes
     * from the default account. Returns how many requests went there after the backup failed them.
     */
    static int sendUntilTheBackupsBreakerOpens() throws Exception {
        int moved = 0;
        for (int i = 0; i < 400 && !breakerOpen("account-openai-backup"); i++) {
            HttpResponse<String> response = send("gpt-4o", false);
            assertEquals(200, response.statusCode(), "the other account serves: " + response.body());
            assertEquals("openai", provider(response));
            if (attempts(response) == 2) {
                moved++;
            }
        }
        return moved;
    }

    static HttpResponse<String> send(String model, boolean stream) throws Exception {
        return answer(chat(gateway, model, stream));
    }

    static HttpResponse<String> answer(HttpResponse<String> response) {
        answers.add(response);
        return response;
    }

    static boolean breakerOpen(String name) {
        return breakers().isOpen(name);
    }

    static Breakers breakers() {
        return gateway.context().getRegistry().lookupByNameAndType("breakers", Breakers.class);
    }
}
