package dev.caravan.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the benchmark from rotting: runs its quick mode (Java load generator, no wrk) in-process against a real
 * gateway JVM and checks that every part produced figures. It asserts nothing about how fast anything is.
 */
class BenchmarkSmokeTest {

    @Test
    void startUpIsTheMedianOfTheLaunches() {
        assertEquals(1900, Bench.median(List.of(2400L, 1600L, 1900L)));
        assertEquals(1750, Bench.median(List.of(2400L, 1600L, 1900L, 1500L)));
        assertEquals(1601, Bench.median(List.of(1601L)));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void quickModeProducesEveryFigure(@TempDir Path out) throws Exception {
        Bench.Options options = Bench.Options.quick();
        options.outDir = out;
        options.concurrency = java.util.List.of(1, 8);
        options.seconds = 0.5;
        options.streams = 10;

        Bench.Report report = Bench.run(options);

        assertTrue(report.startupMillis() > 0, "start-up time");
        assertEquals(List.of(report.startupMillis()), report.startupLaunchesMillis(), "quick mode: one launch");
        assertEquals(1, report.warmupRamp().size(), "quick mode: its half-second warm-up is one window");
        assertTrue(report.warmupRamp().get(0) > 0, "requests/s in the warm-up");
        assertTrue(report.idleRssKib() > 0, "idle RSS");
        assertEquals(4, report.load().size(), "direct and gateway at two concurrencies");
        for (LoadResult load : report.load()) {
            assertTrue(load.requests() > 0, "requests measured for " + load);
            assertEquals(0, load.errors(), "errors for " + load);
            assertTrue(load.p50Ms() > 0 && load.p99Ms() >= load.p50Ms(), "latencies for " + load);
        }
        for (var row : report.overhead()) {
            Object cpu = row.get("gatewayCpuMicrosPerRequest");
            assertTrue(cpu instanceof Double && (Double) cpu > 0, "gateway CPU per request in " + row);
        }
        assertEquals(0, report.ttft().failures(), "TTFT streams");
        Ttft.Result ttft = report.ttft();
        assertTrue(ttft.directP50Ms() > 0 && ttft.gatewayP50Ms() > 0, "TTFT");
        assertInside("direct way in", ttft.directWayInP50Ms(), ttft.directP50Ms());
        assertInside("direct relay", ttft.directRelayP50Ms(), ttft.directP50Ms());
        assertInside("gateway way in", ttft.gatewayWayInP50Ms(), ttft.gatewayP50Ms());
        assertInside("gateway relay", ttft.gatewayRelayP50Ms(), ttft.gatewayP50Ms());
        assertEquals(10, report.streams().firstTokens(), "every stream got a first token");
        assertTrue(report.streams().peakRssKib() > 0, "RSS under streams");
        assertFalse(report.targets().isEmpty(), "targets evaluated");
        try (var files = Files.list(out)) {
            assertTrue(files.anyMatch(f -> f.toString().endsWith(".md")), "a Markdown results file");
        }
        assertTrue(Files.list(out).anyMatch(f -> f.toString().endsWith(".json")), "a JSON results file");
    }

    /** Each leg of a stream lies inside its time to first token, so the legs' medians lie inside the whole's. */
    private static void assertInside(String leg, double legMs, double wholeMs) {
        assertTrue(legMs > 0 && legMs < wholeMs, leg + " " + legMs + " ms of " + wholeMs + " ms");
    }

    /**
     * Each floor of bench/run.sh --floors starts in its own JVM and answers; the proxies answer the upstream's body;
     * the idle requests measure it beside the direct call.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void everyFloorAnswersAndTheProxiesForward(@TempDir Path logs) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (FastUpstream upstream = new FastUpstream(1, 3, 0)) {
            for (String kind : Floor.KINDS) {
                try (GatewayProcess floor = new GatewayProcess(Path.of("").toAbsolutePath(),
                        System.getProperty("java.class.path"), List.of("-Xmx128m"), upstream.baseUrl(),
                        logs.resolve(kind + ".log"), Duration.ofSeconds(30), List.of(Floor.class.getName(), kind))) {
                    long before = upstream.requests();
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + floor.port() + "/v1/chat/completions"))
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(GatewayProcess.CHAT_BODY)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, answer.statusCode(), kind);
                    boolean proxy = kind.endsWith("proxy");
                    assertTrue(answer.body().contains(proxy ? "Hello from the bench upstream." : "Hello from the floor."),
                            kind + ": " + answer.body());
                    assertEquals(proxy ? 1 : 0, upstream.requests() - before, kind + ": calls to the upstream");

                    Map<String, Integer> ports = new LinkedHashMap<>();
                    ports.put("direct", upstream.port());
                    ports.put(kind, floor.port());
                    List<IdleRequests.Result> idle = IdleRequests.measure(ports, 3, 1, 1);
                    assertEquals(List.of("direct", kind), idle.stream().map(IdleRequests.Result::server).toList());
                    for (IdleRequests.Result r : idle) {
                        assertEquals(2, r.samples(), kind + ": idle requests kept");
                        assertTrue(r.p50Micros() > 0 && r.p90Micros() >= r.p50Micros(), kind + ": " + r);
                    }
                }
            }
        }
    }
}
