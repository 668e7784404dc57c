package dev.caravan.resilience;

import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thousand failing requests, streaming and not, over HTTP (503, reset, a stream cut before its first text) and
 * in-process (mock-unavailable), eight at a time: each gets a clean error in bounded time, and afterwards the
 * gateway's threads and heap are back near where they were (no leaked connections, streams or threads).
 */
class FailureLoadTest {

    static final int REQUESTS = 1_000;
    static final int CONCURRENCY = 8;

    @TempDir
    static Path dir;
    static FaultyUpstream upstream;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new FaultyUpstream();
        gateway = Gateway.start(Map.of(
                "caravan.openai.base-url", upstream.baseUrl(),
                "caravan.openai.api-key", "sk-test",
                "caravan.openai.idle-timeout-ms", "2000",
                // A fixed pool creates a thread per task until it is full: keep it small so that the baseline,
                // taken after a warm-up, already has all of them.
                "caravan.http.worker-threads", "16",
                "caravan.openai.retry.max-retries", "1",
                "caravan.openai.retry.base-backoff-ms", "1",
                "caravan.openai.retry.max-backoff-ms", "2",
                // Keep the breaker closed so that every request really goes out to the failing upstream.
                "caravan.openai.breaker.minimum-calls", "1000000",
                "caravan.openai.breaker.window", "1000000",
                "caravan.catalog.file", Calls.catalog(dir, "", "").toString()));
        Calls.warmUp(gateway, upstream);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    private static final List<FaultyUpstream.Fault> FAULTS = List.of(
            FaultyUpstream.error(503),
            FaultyUpstream.connectionReset(),
            FaultyUpstream.stream(FakeOpenAi.streamChunks(List.of("a", " b"), 2), 1, false, 0));

    private static int run(int count, AtomicInteger errors) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                statuses.add(clients.submit(() -> {
                    boolean stream = n % 2 == 0;
                    String model = n % 4 == 1 ? "mock-unavailable" : "openai/gpt-4o";
                    HttpResponse<String> response = Calls.chat(gateway, n % 3 == 0 ? "simple" : "openai", model,
                            stream);
                    if (response.statusCode() < 500 || !response.body().contains("error")) {
                        errors.incrementAndGet();
                    }
                    return response.statusCode();
                }));
            }
            for (Future<Integer> status : statuses) {
                status.get(60, TimeUnit.SECONDS);
            }
            return statuses.size();
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void aThousandFailingRequestsLeaveNoThreadsOrHeapBehind() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        // Rotate through the faults: the upstream's always-answer changes under load on purpose.
        AtomicInteger served = new AtomicInteger();
        upstream.always((socket, out) -> FAULTS.get(served.getAndIncrement() % FAULTS.size()).serve(socket, out));

        AtomicInteger unexpected = new AtomicInteger();
        run(100, unexpected);
        long baselineThreads = settledThreads(threads);
        long baselineHeap = settledHeap(memory);

        long start = System.nanoTime();
        assertEquals(REQUESTS, run(REQUESTS, unexpected));
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(0, unexpected.get(), "every request got a clean 5xx error");
        assertTrue(millis < 45_000, REQUESTS + " failing requests took " + millis + " ms");
        long afterThreads = settledThreads(threads);
        long afterHeap = settledHeap(memory);
        assertTrue(afterThreads <= baselineThreads + 10, "threads: " + baselineThreads + " -> " + afterThreads
                + " " + threadNames());
        assertTrue(afterHeap <= baselineHeap + 32L * 1024 * 1024,
                "heap: " + baselineHeap / 1024 / 1024 + " MB -> " + afterHeap / 1024 / 1024 + " MB");
        // The gateway still answers normally afterwards (no connection pool exhausted by leaked streams).
        upstream.always(FaultyUpstream.ok("still here"));
        HttpResponse<String> ok = Calls.chat(gateway, "openai/gpt-4o", false);
        assertEquals(200, ok.statusCode(), ok.body());
    }

    /** How many threads of each kind (name without digits), to tell which ones grew. */
    private static Map<String, Integer> threadNames() {
        Map<String, Integer> kinds = new java.util.TreeMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            kinds.merge(thread.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
        }
        return kinds;
    }

    private static long settledThreads(ThreadMXBean threads) throws InterruptedException {
        Thread.sleep(500);
        return threads.getThreadCount();
    }

    private static long settledHeap(MemoryMXBean memory) throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
