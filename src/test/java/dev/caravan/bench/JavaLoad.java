package dev.caravan.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A closed-loop load generator on Vert.x's HTTP client: {@code concurrency} callers on keep-alive connections, each
 * sending its next POST as soon as the previous answer is read. Only requests that start after the warm-up and end
 * before the deadline are counted. Used when {@code wrk} is absent and by the quick mode.
 */
final class JavaLoad {

    private final Vertx vertx;

    JavaLoad(Vertx vertx) {
        this.vertx = vertx;
    }

    LoadResult run(String target, int port, String path, String body, int concurrency, double warmupSeconds,
                   double seconds) throws InterruptedException {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setConnectTimeout(5000), new PoolOptions().setHttp1MaxSize(concurrency));
        Buffer payload = Buffer.buffer(body);
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                .setURI(path).putHeader("content-type", "application/json").putHeader("authorization", "Bearer bench")
                .setIdleTimeout(30_000);
        long begin = System.nanoTime();
        long measureFrom = begin + (long) (warmupSeconds * 1e9);
        long end = measureFrom + (long) (seconds * 1e9);
        Recorder recorder = new Recorder();
        CountDownLatch done = new CountDownLatch(concurrency);
        // The callers start on one event loop, and each goes on from its callbacks there: Vert.x's client, called
        // from a thread outside its contexts, can lose a callback (see EventLoopHttpCall), and a lost one left a
        // request waiting out its idle timeout.
        vertx.getOrCreateContext().runOnContext(go -> {
            for (int i = 0; i < concurrency; i++) {
                new Caller(client, options, payload, measureFrom, end, recorder, done).next();
            }
        });
        boolean finished = done.await((long) (warmupSeconds + seconds) + 40, TimeUnit.SECONDS);
        client.close();
        synchronized (recorder) {
            return LoadResult.of(target, concurrency, "java", seconds, recorder.latencies, recorder.count,
                    recorder.errors + (finished ? 0 : 1));
        }
    }

    private static final class Recorder {
        long[] latencies = new long[1 << 16];
        int count;
        long errors;

        synchronized void record(long startNs, long endNs, boolean ok, long from, long until) {
            if (!ok) {
                errors++;
                return;
            }
            if (startNs < from || endNs > until) {
                return;
            }
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = endNs - startNs;
        }
    }

    private record Caller(HttpClient client, RequestOptions options, Buffer payload, long from, long until,
                          Recorder recorder, CountDownLatch done) {
        void next() {
            long start = System.nanoTime();
            client.request(options)
                    .compose(request -> request.send(payload))
                    .compose(response -> response.body().map(b -> response.statusCode()))
                    .onComplete(result -> {
                        long now = System.nanoTime();
                        recorder.record(start, now, result.succeeded() && result.result() == 200, from, until);
                        if (now < until) {
                            next();
                        } else {
                            done.countDown();
                        }
                    });
        }
    }
}
