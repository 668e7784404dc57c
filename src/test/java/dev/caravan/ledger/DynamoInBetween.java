package dev.caravan.ledger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * DynamoDB's endpoint as the gateway sees it: passes requests to the dynalite, except that, once armed, the next
 * hold (an UpdateItem of a budget's holds) lands in the dynalite but is answered with an error, and every request
 * after it is answered with that error until {@link #failing} is cleared; and that, while slow, it keeps every request
 * until it is told to pass them (a DynamoDB that is behind).
 */
final class DynamoInBetween implements AutoCloseable {

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
    private volatile CountDownLatch slow = new CountDownLatch(0);
    /** Every request body received, in order. */
    final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();

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

    /** Keeps every request from now on until {@link #catchUp()}. */
    void slowDown() {
        slow = new CountDownLatch(1);
    }

    void catchUp() {
        slow.countDown();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String text = new String(body, StandardCharsets.UTF_8);
            received.add(text);
            try {
                slow.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
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
        catchUp();
        server.stop(0);
    }
}
