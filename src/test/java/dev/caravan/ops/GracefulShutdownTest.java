package dev.caravan.ops;

import dev.caravan.ledger.CostRecord;
import dev.caravan.ledger.Ledger;
import dev.caravan.ledger.LedgerSettings;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The gateway as its own process ({@code java -cp ... dev.caravan.Caravan}), a slow stream in flight, SIGTERM
 * ({@link Process#destroy()} on Linux). Camel Main's shutdown hook runs its graceful shutdown: consumers are
 * suspended (new requests get 503, readiness 503), in-flight exchanges are waited for up to
 * {@code camel.main.shutdown-timeout}, then the HTTP servers close (connections refused) and the ledger is closed.
 * The JVM exits with 143 (128 + SIGTERM), as any JVM ended by SIGTERM whose shutdown hooks ran.
 */
class GracefulShutdownTest {

    /** What a JVM ended by SIGTERM returns after its shutdown hooks ran; Camel Main does not call System.exit. */
    private static final int SIGTERM_EXIT = 143;

    @TempDir
    Path dir;

    @Test
    void sigtermLetsTheStreamFinishTurnsNewWorkAwayAndRecordsItsCost() throws Exception {
        // 20 tokens 150 ms apart: a 3 s stream, well inside the shipped 30 s shutdown bound.
        try (GatewayUnderTest gateway = GatewayUnderTest.start(dir, "-Dcaravan.mock.token-delay-ms=150")) {
            Stream stream = gateway.openStream();
            int seenAtTerm = stream.events.size();
            long term = System.currentTimeMillis();
            gateway.process.destroy();

            // While the stream drains: new requests are turned away and readiness is down, never served again.
            List<String> probes = new ArrayList<>();
            boolean turnedAway = false;
            while (!stream.done.isDone() && System.currentTimeMillis() - term < 40_000) {
                String api = probe(gateway.port, "/v1/models");
                String ready = probe(gateway.management, "/observe/health/ready");
                probes.add((System.currentTimeMillis() - term) + "ms api=" + api + " ready=" + ready);
                if (!api.equals("200")) {
                    turnedAway = true;
                } else {
                    assertFalse(turnedAway, "served again after turning requests away: " + probes);
                }
                if (turnedAway && !stream.done.isDone()) {
                    assertTrue(api.equals("503") || api.equals("ConnectException"), probes.toString());
                    assertNotEquals("200", ready, "not ready while draining: " + probes);
                }
                Thread.sleep(150);
            }
            assertTrue(turnedAway, "a new request was turned away while the stream drained: " + probes);

            assertEquals(200, stream.done.get(40, TimeUnit.SECONDS), gateway.log());
            long streamEnded = System.currentTimeMillis() - term;
            assertTrue(seenAtTerm < 22, "SIGTERM came mid-stream: " + seenAtTerm + " events before it");
            assertEquals(22, stream.events.size(), "20 tokens, the finish chunk, [DONE]: " + stream.events);
            assertEquals("[DONE]", stream.events.get(21));
            StringBuilder expected = new StringBuilder("token1");
            for (int i = 2; i <= 20; i++) {
                expected.append(" token").append(i);
            }
            assertEquals(expected.toString(), stream.text());

            assertTrue(gateway.process.waitFor(40, TimeUnit.SECONDS), "exited");
            long exited = System.currentTimeMillis() - term;
            assertEquals(SIGTERM_EXIT, gateway.process.exitValue(), gateway.log());
            assertTrue(exited < 30_000, "within the shutdown bound: " + exited + " ms");
            assertTrue(exited >= streamEnded - 500, "the process outlived the stream");
            assertEquals("ConnectException", probe(gateway.port, "/v1/models"), "refused after exit");

            String log = gateway.log();
            assertTrue(log.contains("JVM shutdown hook triggered by SIGTERM"), log);
            assertFalse(log.contains("Forcing the routes to be shutdown now"), "no forced shutdown: " + log);
            assertTrue(log.lines().anyMatch(l -> l.contains(" access - request_id=" + stream.requestId + " ")
                    && l.contains(" status=ok ") && l.contains(" completion_tokens=20 ")), "access line: " + log);
            CostRecord record = gateway.costRecord(stream.requestId).orElseThrow(() ->
                    new AssertionError("no cost record for " + stream.requestId));
            assertEquals(CostRecord.Status.OK, record.status());
            assertEquals(20, record.completionTokens());
            // 1 prompt token at 1 USD/M and 20 completion tokens at 2 USD/M (config/catalog.yaml, mock-stream).
            assertEquals(0, new java.math.BigDecimal("0.000041").compareTo(record.cost()), record.toString());
            // The budgets' spend, kept in memory and written behind, reached the file before it closed.
            assertEquals(0, record.cost().compareTo(gateway.globalDailySpent()), "budget spend after the restart");
            assertFalse(gateway.h2Trace().contains("Database is already closed"),
                    "the database closed under the ledger's last writes: " + gateway.h2Trace());
        }
    }

    @Test
    void aStreamLongerThanTheBoundIsCutJustBeforeItAndItsCostStillRecorded() throws Exception {
        // 20 tokens 500 ms apart (a 10 s stream) against a 3 s bound: the drain cuts it at 1.5 s (half the bound, or
        // 2 s before it when the bound is longer), so that the shutdown then completes without forcing.
        try (GatewayUnderTest gateway = GatewayUnderTest.start(dir, "-Dcaravan.mock.token-delay-ms=500",
                "-Dcamel.main.shutdown-timeout=3")) {
            Stream stream = gateway.openStream();
            long term = System.currentTimeMillis();
            gateway.process.destroy();

            stream.done.get(30, TimeUnit.SECONDS);
            long streamEnded = System.currentTimeMillis() - term;
            assertTrue(gateway.process.waitFor(30, TimeUnit.SECONDS), "exited");
            long exited = System.currentTimeMillis() - term;
            assertEquals(SIGTERM_EXIT, gateway.process.exitValue());
            assertTrue(streamEnded >= 1_000 && streamEnded < 3_000, "cut before the bound: " + streamEnded + " ms");
            assertTrue(exited < 10_000, "exited soon after the bound: " + exited + " ms");
            assertFalse(stream.events.contains("[DONE]"), "a cut stream must not look complete: " + stream.events);
            assertTrue(stream.events.size() < 22);

            String log = gateway.log();
            assertTrue(log.contains("ShutdownDrain - Shutting down: stream " + stream.requestId + " still open"), log);
            assertFalse(log.contains("Forcing the routes to be shutdown now"), "no forced shutdown: " + log);
            CostRecord record = gateway.costRecord(stream.requestId).orElseThrow(() ->
                    new AssertionError("no cost record for the cut stream: " + log));
            assertEquals(CostRecord.Status.PARTIAL, record.status());
            assertFalse(record.usageReported(), "the mock reports usage only at the end: unreported, not free");
        }
    }

    /** A gateway JVM on free loopback ports with its own ledger directory, and its output in a file. */
    private static final class GatewayUnderTest implements AutoCloseable {
        final Process process;
        final int port;
        final int management;
        final Path data;
        final Path log;
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();

        private GatewayUnderTest(Path dir, String... options) throws Exception {
            port = Gateway.freePort();
            management = Gateway.freePort();
            data = Files.createTempDirectory(dir, "data");
            log = Files.createTempFile(dir, "gateway", ".log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dcamel.server.port=" + port, "-Dcamel.server.host=127.0.0.1",
                    "-Dcamel.management.port=" + management, "-Dcamel.management.host=127.0.0.1",
                    "-Dcaravan.ledger.store=embedded", "-Dcaravan.ledger.data-dir=" + data,
                    "-Dcaravan.openai.api-key=", "-Dcaravan.anthropic.api-key=", "-Dcaravan.bedrock.enabled=false",
                    "-Dcaravan.mock.stream-tokens=20"));
            command.addAll(List.of(options));
            command.addAll(List.of("-cp", classpath(), "dev.caravan.Caravan"));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(k -> k.startsWith("CAMEL_") || k.startsWith("CARAVAN_")
                    || k.endsWith("_API_KEY") || k.startsWith("AWS_"));
            process = builder.start();
            long deadline = System.currentTimeMillis() + 40_000;
            while (!probe(management, "/observe/health/ready").equals("200")) {
                if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                    close();
                    fail("the gateway did not start: " + log());
                }
                Thread.sleep(100);
            }
        }

        static GatewayUnderTest start(Path dir, String... options) throws Exception {
            return new GatewayUnderTest(dir, options);
        }

        /** Opens a mock-stream stream and waits for its first event. */
        Stream openStream() throws Exception {
            Stream stream = new Stream();
            CountDownLatch first = new CountDownLatch(1);
            stream.done = CompletableFuture.supplyAsync(() -> {
                try {
                    HttpResponse<InputStream> answer = http.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"mock-stream\",\"stream\":true,"
                                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    stream.requestId = answer.headers().firstValue("x-request-id").orElse(null);
                    try (BufferedReader reader = new BufferedReader(new InputStreamReader(answer.body(),
                            StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = reader.readLine()) != null) {
                            if (line.startsWith("data: ")) {
                                stream.events.add(line.substring(6));
                                first.countDown();
                            }
                        }
                    } catch (IOException cut) {
                        stream.events.add("CUT " + cut);
                    }
                    return answer.statusCode();
                } catch (Exception e) {
                    stream.events.add("FAILED " + e);
                    return -1;
                } finally {
                    first.countDown();
                }
            });
            assertTrue(first.await(20, TimeUnit.SECONDS), "the stream began");
            assertFalse(stream.events.get(0).startsWith("FAILED"), stream.events.toString());
            return stream;
        }

        /** The ledger's record of a request, read from the H2 file once the gateway is gone. */
        Optional<CostRecord> costRecord(String requestId) {
            try (Ledger ledger = Ledger.open(LedgerSettings.embedded(data, Path.of("config", "budgets.yaml")))) {
                return ledger.store().find(requestId);
            }
        }

        /** The global daily budget's spend, read from the H2 file once the gateway is gone. */
        java.math.BigDecimal globalDailySpent() {
            try (Ledger ledger = Ledger.open(LedgerSettings.embedded(data, Path.of("config", "budgets.yaml")))) {
                return ledger.budgets().stream().filter(b -> b.scope().equals("global") && b.period().equals("daily"))
                        .findFirst().orElseThrow().spent();
            }
        }

        /** What H2 wrote to its trace file (its own errors), or nothing. */
        String h2Trace() throws IOException {
            Path trace = data.resolve("ledger.trace.db");
            return Files.exists(trace) ? Files.readString(trace) : "";
        }

        String log() throws IOException {
            return Files.readString(log).lines().filter(l -> !l.contains("BaseMainSupport -     [")
                    && !l.contains("MainHttpServerUtil")).collect(Collectors.joining("\n"));
        }

        @Override
        public void close() throws Exception {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static final class Stream {
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile String requestId;
        CompletableFuture<Integer> done;

        String text() throws IOException {
            StringBuilder text = new StringBuilder();
            for (String event : events) {
                if (event.startsWith("{")) {
                    text.append(dev.caravan.api.Json.MAPPER.readTree(event).path("choices").path(0).path("delta")
                            .path("content").asText(""));
                }
            }
            return text.toString();
        }
    }

    /** What a new request meets: its status, or the name of the connection failure. */
    private static String probe(int port, String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                    .openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(3000);
            try {
                return Integer.toString(c.getResponseCode());
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }

    /** The gateway's classes and dependencies: this JVM's class path without the test classes. */
    private static String classpath() {
        return Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(p -> !p.endsWith("test-classes")).collect(Collectors.joining(java.io.File.pathSeparator));
    }
}
