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
import java.util.regex.Pattern;

/**
 * Time to first token of streamed answers: from sending the request to reading the first SSE event that carries
 * non-empty {@code content}. Requests go one at a time, alternating direct and through the gateway so that both
 * see the same machine.
 */
final class Ttft {

    /** Medians in milliseconds over {@code samples} requests each (after {@code warmup} discarded each). */
    record Result(int samples, long tokenDelayMs, double directP50Ms, double gatewayP50Ms, double directP90Ms,
                  double gatewayP90Ms, int failures) {
        double addedP50Ms() {
            return gatewayP50Ms - directP50Ms;
        }
    }

    private static final Pattern CONTENT = Pattern.compile("\"content\":\"[^\"]");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    Result run(int directPort, int gatewayPort, int warmup, int samples, long tokenDelayMs, int tokens)
            throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"user\":\"bench-delay-" + tokenDelayMs + "-tokens-"
                + tokens + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
        long[] direct = new long[samples];
        long[] gateway = new long[samples];
        int failures = 0;
        for (int i = 0; i < warmup + samples; i++) {
            long d = once(directPort, body);
            long g = once(gatewayPort, body);
            if (d < 0 || g < 0) {
                failures++;
            }
            if (i >= warmup) {
                direct[i - warmup] = d;
                gateway[i - warmup] = g;
            }
        }
        direct = java.util.Arrays.stream(direct).filter(v -> v >= 0).sorted().toArray();
        gateway = java.util.Arrays.stream(gateway).filter(v -> v >= 0).sorted().toArray();
        return new Result(samples, tokenDelayMs, LoadResult.percentile(direct, 50) / 1e6,
                LoadResult.percentile(gateway, 50) / 1e6, LoadResult.percentile(direct, 90) / 1e6,
                LoadResult.percentile(gateway, 90) / 1e6, failures);
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
                            if (once(port, body) >= 0) {
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

    /** Nanoseconds to the first content event, or -1 when the stream failed or had none. */
    private long once(int port, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("content-type", "application/json").header("authorization", "Bearer bench")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long start = System.nanoTime();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        long first = -1;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (first < 0 && line.startsWith("data:") && CONTENT.matcher(line).find()) {
                    first = System.nanoTime() - start;
                }
            }
        }
        return response.statusCode() == 200 ? first : -1;
    }
}
