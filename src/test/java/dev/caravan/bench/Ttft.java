package dev.caravan.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * Time to first token of streamed answers: from sending the request to reading the first SSE event that carries
 * non-empty {@code content}. Requests go one at a time, alternating direct and through the gateway so that both
 * see the same machine. The fake upstream runs in this JVM, so each stream's time also splits on one clock into its
 * way in (sending to the upstream having the request) and its relay (the upstream writing the first token to the
 * client reading it); the upstream's token delay lies between them.
 */
final class Ttft {

    /** Medians in milliseconds over {@code samples} requests each (after {@code warmup} discarded each). */
    record Result(int samples, long tokenDelayMs, double directP50Ms, double gatewayP50Ms, double directP90Ms,
                  double gatewayP90Ms, int failures, double directWayInP50Ms, double gatewayWayInP50Ms,
                  double directRelayP50Ms, double gatewayRelayP50Ms) {
        double addedP50Ms() {
            return gatewayP50Ms - directP50Ms;
        }
    }

    /** One stream's nanoseconds to its first token and on its two legs; null instead when it failed. */
    private record Sample(long ttft, long wayIn, long relay) {
    }

    private static final Pattern CONTENT = Pattern.compile("\"content\":\"[^\"]");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    Result run(FastUpstream upstream, int gatewayPort, int warmup, int samples, long tokenDelayMs, int tokens)
            throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"user\":\"bench-delay-" + tokenDelayMs + "-tokens-"
                + tokens + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
        List<Sample> direct = new ArrayList<>();
        List<Sample> gateway = new ArrayList<>();
        int failures = 0;
        for (int i = 0; i < warmup + samples; i++) {
            Sample d = sample(upstream, upstream.port(), body);
            Sample g = sample(upstream, gatewayPort, body);
            if (d == null || g == null) {
                failures++;
            }
            if (i >= warmup) {
                if (d != null) {
                    direct.add(d);
                }
                if (g != null) {
                    gateway.add(g);
                }
            }
        }
        return new Result(samples, tokenDelayMs, ms(direct, Sample::ttft, 50), ms(gateway, Sample::ttft, 50),
                ms(direct, Sample::ttft, 90), ms(gateway, Sample::ttft, 90), failures,
                ms(direct, Sample::wayIn, 50), ms(gateway, Sample::wayIn, 50), ms(direct, Sample::relay, 50),
                ms(gateway, Sample::relay, 50));
    }

    private static double ms(List<Sample> samples, ToLongFunction<Sample> figure, double percentile) {
        return LoadResult.percentile(samples.stream().mapToLong(figure).sorted().toArray(), percentile) / 1e6;
    }

    /** One stream, one at a time: the upstream's instants are then this stream's. */
    private Sample sample(FastUpstream upstream, int port, String body) throws Exception {
        long start = System.nanoTime();
        long first = firstTokenAt(port, body);
        if (first < 0) {
            return null;
        }
        FastUpstream.StreamInstants at = upstream.lastStream();
        return new Sample(first - start, at.arrivedNanos() - start, first - at.firstTokenWrittenNanos());
    }

    /**
     * Warms a server's streaming path as the load phases warm the non-streaming one: {@code threads} clients stream
     * short answers (3 tokens 1 ms apart) back to back for {@code seconds}. Answers the streams completed.
     */
    int warm(int port, double seconds, int threads) throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"user\":\"bench-delay-1-tokens-3\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
        long until = System.nanoTime() + (long) (seconds * 1e9);
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                clients.add(pool.submit(() -> {
                    while (System.nanoTime() < until) {
                        try {
                            if (firstTokenAt(port, body) >= 0) {
                                done.incrementAndGet();
                            }
                        } catch (IOException e) {
                            // a warm-up stream that failed is not counted; the measured ones report their failures
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : clients) {
                client.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return done.get();
    }

    /** The instant ({@link System#nanoTime()}) the first content event was read, or -1 when the stream failed or had none. */
    private long firstTokenAt(int port, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("content-type", "application/json").header("authorization", "Bearer bench")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        long first = -1;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (first < 0 && line.startsWith("data:") && CONTENT.matcher(line).find()) {
                    first = System.nanoTime();
                }
            }
        }
        return response.statusCode() == 200 ? first : -1;
    }
}
