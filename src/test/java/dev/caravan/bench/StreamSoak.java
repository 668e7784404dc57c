package dev.caravan.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Opens {@code streams} streaming requests through the gateway at once, to an upstream that streams slowly, and
 * samples the gateway's memory while they are open. A stream counts as open from its first content event to its end.
 */
final class StreamSoak {

    record Result(int streams, long tokenDelayMs, int tokens, int firstTokens, int completed, int failed,
                  int peakOpenAtClient, int peakOpenAtUpstream, long millisToAllFirstTokens, long peakRssKib,
                  long hwmKib, long peakThreads, double elapsedSeconds) {
    }

    private final Vertx vertx;

    StreamSoak(Vertx vertx) {
        this.vertx = vertx;
    }

    Result run(GatewayProcess gateway, IntSupplier upstreamOpen, int streams, long tokenDelayMs, int tokens,
               double timeoutSeconds) throws InterruptedException {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setTcpNoDelay(true)
                .setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(streams + 8).setMaxWaitQueueSize(-1));
        Buffer body = Buffer.buffer("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"user\":\"bench-delay-" + tokenDelayMs
                + "-tokens-" + tokens + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                .setPort(gateway.port()).setURI("/v1/chat/completions").putHeader("content-type", "application/json")
                .setIdleTimeout((long) (timeoutSeconds * 1000) + 5000);
        AtomicInteger first = new AtomicInteger();
        AtomicInteger open = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long started = System.nanoTime();
        long[] allFirstAt = {-1};
        // Sent from one event loop: Vert.x's client, called from a thread outside its contexts, can lose a callback.
        vertx.getOrCreateContext().runOnContext(go -> open(client, options, body, streams, first, open, completed,
                failed, allFirstAt));
        long deadline = started + (long) (timeoutSeconds * 1e9);
        long peakRss = 0;
        long peakThreads = 0;
        int peakOpen = 0;
        int peakUpstream = 0;
        while (System.nanoTime() < deadline && completed.get() + failed.get() < streams) {
            long[] memory = gateway.memoryKib();
            peakRss = Math.max(peakRss, memory[0]);
            peakThreads = Math.max(peakThreads, gateway.threads());
            peakOpen = Math.max(peakOpen, open.get());
            peakUpstream = Math.max(peakUpstream, upstreamOpen.getAsInt());
            Thread.sleep(100);
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        long hwm = gateway.memoryKib()[1];
        client.close().toCompletionStage().toCompletableFuture().join();
        Thread.sleep(200);
        return new Result(streams, tokenDelayMs, tokens, first.get(), completed.get(), failed.get(), peakOpen,
                peakUpstream, allFirstAt[0] < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(allFirstAt[0] - started),
                peakRss, hwm, peakThreads, elapsed);
    }

    /** Opens the streams, counting first tokens, ends and failures; call on an event loop of the client's Vert.x. */
    private static void open(HttpClient client, RequestOptions options, Buffer body, int streams, AtomicInteger first,
                             AtomicInteger open, AtomicInteger completed, AtomicInteger failed, long[] allFirstAt) {
        for (int i = 0; i < streams; i++) {
            boolean[] seen = {false};
            client.request(options).compose(request -> request.send(body)).onSuccess(response -> {
                response.handler(chunk -> {
                    if (!seen[0] && chunk.toString(StandardCharsets.UTF_8).contains("\"content\":\"")) {
                        seen[0] = true;
                        open.incrementAndGet();
                        if (first.incrementAndGet() == streams) {
                            allFirstAt[0] = System.nanoTime();
                        }
                    }
                });
                response.endHandler(v -> {
                    if (seen[0]) {
                        open.decrementAndGet();
                    }
                    (response.statusCode() == 200 && seen[0] ? completed : failed).incrementAndGet();
                });
                response.exceptionHandler(e -> {
                    if (seen[0]) {
                        open.decrementAndGet();
                    }
                    failed.incrementAndGet();
                });
            }).onFailure(e -> failed.incrementAndGet());
        }
    }
}
