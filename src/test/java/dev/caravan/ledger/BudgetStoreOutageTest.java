package dev.caravan.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.caravan.api.ErrorResponder;
import dev.caravan.api.Json;
import dev.caravan.ops.LogLines;
import dev.caravan.support.BudgetApi;
import dev.caravan.support.Eventually;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Budgets held in DynamoDB (a real dynalite) while DynamoDB cannot be reached: a request whose cost cannot be held is
 * refused with 503 {@code ledger_unavailable} (retryable, in the API's error shape), as a JWT caller is while the identity
 * provider's keys cannot be fetched; nothing reaches the provider, and the budgets API answers the same. It was a 500
 * internal_error, logged as a failure of the gateway itself with a stack trace per request.
 */
class BudgetStoreOutageTest {

    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    static Path dir;
    private static Dynalite dynalite;

    @BeforeAll
    static void startDynalite() throws Exception {
        dynalite = Dynalite.startWithCredentials(dir.resolve("db"));
    }

    @AfterAll
    static void stopDynalite() throws Exception {
        dynalite.closeWithCredentials();
    }

    @Test
    void aRequestWhoseBudgetCannotBeHeldIs503AndReachesNoProvider() throws Exception {
        Path budgets = Files.writeString(dir.resolve("budgets.yaml"), "global: {daily: 10}\n");
        try (FakeOpenAi openAi = new FakeOpenAi();
             Gateway gateway = Gateway.start(Map.of("caravan.ledger.store", "dynamodb",
                     "caravan.ledger.dynamodb.endpoint", dynalite.endpoint().toString(),
                     "caravan.ledger.dynamodb.region", "us-east-1",
                     "caravan.ledger.budgets-file", budgets.toString(),
                     "caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key", "sk-test"));
             LogLines errors = LogLines.capture(ErrorResponder.class.getName())) {
            assertEquals(200, gateway.post("/v1/chat/completions", CHAT).statusCode(), "DynamoDB is up");
            dynalite.stop();
            try {
                HttpResponse<String> refused = gateway.post("/v1/chat/completions", CHAT);
                assertUnavailable(refused);
                assertEquals(1, openAi.received().size(), "the refused request reached no provider");
                assertUnavailable(gateway.get("/v1/budgets"));
                assertEquals(List.of(), errors.lines(), "an outage of the store is no failure of the gateway");
            } finally {
                dynalite.start();
            }
            assertEquals(200, gateway.post("/v1/chat/completions", CHAT).statusCode(), "DynamoDB is back");
        }
    }

    /**
     * DynamoDB takes a hold but its answer fails (a timeout after the write), and the store keeps failing while the
     * gateway gives the hold back: the request is 503 and the hold is given back once DynamoDB is back, in the
     * background. It stayed reserved until the period ended before, keeping that much of the budget from every caller.
     */
    @Test
    void aHoldWhoseAnswerFailedIsGivenBackOnceTheStoreIsBack() throws Exception {
        Path budgets = Files.writeString(dir.resolve("budgets-held.yaml"), "global: {daily: 10}\n");
        try (FakeOpenAi openAi = new FakeOpenAi();
             DynamoInBetween dynamo = new DynamoInBetween(dynalite.endpoint());
             Gateway gateway = Gateway.start(Map.of("caravan.ledger.store", "dynamodb",
                     "caravan.ledger.dynamodb.endpoint", dynamo.endpoint().toString(),
                     "caravan.ledger.dynamodb.region", "us-east-1",
                     "caravan.ledger.spool.initial-backoff-ms", "100", "caravan.ledger.spool.max-backoff-ms", "200",
                     "caravan.ledger.budgets-file", budgets.toString(),
                     "caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key", "sk-test"))) {
            assertEquals(200, gateway.post("/v1/chat/completions", CHAT).statusCode(), "DynamoDB is up");
            BigDecimal reservedBefore = BudgetApi.globalDaily(gateway).path("reserved").decimalValue();

            dynamo.failFromTheNextHold();
            assertUnavailable(gateway.post("/v1/chat/completions", CHAT));
            assertEquals(1, dynamo.holdsLanded.get(), "the hold reached DynamoDB");
            dynamo.failing = false;

            JsonNode global = Eventually.until(() -> {
                JsonNode now = BudgetApi.globalDaily(gateway);
                return now.path("reserved").decimalValue().compareTo(reservedBefore) == 0 ? Optional.of(now)
                        : Optional.empty();
            }, 10_000, "the hold given back");
            assertEquals(0, global.path("reserved").decimalValue().compareTo(reservedBefore), global.toString());
        }
    }

    /**
     * DynamoDB's endpoint as the gateway sees it: passes requests to the dynalite, except that, once armed, the next
     * hold (an UpdateItem of a budget's holds) lands in the dynalite but is answered with an error, and every request
     * after it is answered with that error until {@link #failing} is cleared.
     */
    private static final class DynamoInBetween implements AutoCloseable {

        private static final byte[] FAILURE = "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"injected\"}"
                .getBytes(StandardCharsets.UTF_8);
        private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "expect",
                "upgrade");

        private final HttpServer server;
        private final URI target;
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private volatile boolean armed;
        volatile boolean failing;
        final AtomicInteger holdsLanded = new AtomicInteger();

        DynamoInBetween(URI target) throws IOException {
            this.target = target;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/", this::handle);
            server.start();
        }

        URI endpoint() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        void failFromTheNextHold() {
            armed = true;
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                String text = new String(body, StandardCharsets.UTF_8);
                boolean hold = text.contains("\"holds\"") && text.contains("NOT_CONTAINS");
                if (failing) {
                    answer(exchange, 400, FAILURE, Map.of("content-type", List.of("application/x-amz-json-1.0")));
                    return;
                }
                HttpRequest.Builder forward = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI()))
                        .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
                exchange.getRequestHeaders().forEach((name, values) -> {
                    if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                        values.forEach(value -> forward.header(name, value));
                    }
                });
                HttpResponse<byte[]> answer;
                try {
                    answer = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                if (armed && hold) {
                    armed = false;
                    failing = true;
                    holdsLanded.incrementAndGet();
                    answer(exchange, 400, FAILURE, Map.of("content-type", List.of("application/x-amz-json-1.0")));
                    return;
                }
                answer(exchange, answer.statusCode(), answer.body(), answer.headers().map());
            }
        }

        private static void answer(HttpExchange exchange, int status, byte[] body, Map<String, List<String>> headers)
                throws IOException {
            headers.forEach((name, values) -> {
                if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("transfer-encoding")
                        && !name.equalsIgnoreCase("connection") && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static void assertUnavailable(HttpResponse<String> response) throws Exception {
        assertEquals(503, response.statusCode(), response.body());
        JsonNode error = Json.MAPPER.readTree(response.body()).path("error");
        assertEquals("ledger_unavailable", error.path("code").asText(), response.body());
        assertEquals("server_error", error.path("type").asText(), response.body());
        assertTrue(response.headers().firstValue("Retry-After").isPresent(), response.headers().map().toString());
    }
}
