package dev.caravan.api;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecentFirstWorkersTest {

    /** A check run against a fresh pool of at most {@code max} threads, shut down afterwards. */
    private interface PoolCheck {
        void run(RecentFirstWorkers.Pool pool) throws Exception;
    }

    private static void withPool(int max, PoolCheck check) throws Exception {
        ExecutorService pool = new RecentFirstWorkers().createExecutor(Executors.defaultThreadFactory(), max, max);
        try {
            check.run((RecentFirstWorkers.Pool) pool);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oneTaskAtATimeRunsOnOneThread() throws Exception {
        withPool(16, pool -> {
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 50; i++) {
                pool.submit(() -> threads.add(Thread.currentThread())).get(5, TimeUnit.SECONDS);
                // The thread finishes its task (afterExecute) and goes back to waiting before the next task.
                while (pool.getActiveCount() > 0) {
                    Thread.sleep(1);
                }
                Thread.sleep(1);
            }
            // Vert.x's fixed pool would have started 16 threads and taken turns on them.
            assertEquals(1, threads.size(), "sequential tasks should reuse the thread that went idle last");
            assertEquals(1, pool.getPoolSize());
        });
    }

    @Test
    void theMostRecentlyIdleThreadGoesFirst() throws Exception {
        withPool(4, pool -> {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(3);
            List<Future<Thread>> first = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                first.add(pool.submit(() -> {
                    started.countDown();
                    release.await();
                    return Thread.currentThread();
                }));
            }
            assertTrue(started.await(5, TimeUnit.SECONDS));
            release.countDown();
            Set<Thread> three = ConcurrentHashMap.newKeySet();
            for (Future<Thread> f : first) {
                three.add(f.get(5, TimeUnit.SECONDS));
            }
            Thread.sleep(50); // all three idle now
            Thread last = pool.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
            Thread.sleep(20);
            for (int i = 0; i < 20; i++) {
                assertEquals(last, pool.submit(Thread::currentThread).get(5, TimeUnit.SECONDS));
                Thread.sleep(2);
            }
            assertTrue(three.contains(last));
        });
    }

    @Test
    void beyondTheMaximumTasksWaitAndAllRun() throws Exception {
        withPool(2, pool -> {
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger running = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                futures.add(pool.submit(() -> {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    release.await();
                    running.decrementAndGet();
                    return done.incrementAndGet();
                }));
            }
            Thread.sleep(100);
            assertEquals(2, running.get(), "two threads at most, the rest wait");
            assertEquals(0, done.get());
            release.countDown();
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.SECONDS);
            }
            assertEquals(7, done.get());
            assertEquals(2, most.get());
            assertTrue(pool.getLargestPoolSize() <= 2);
        });
    }

    @Test
    void vertxWorkersComeFromThisPool() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(3));
        try {
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger running = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            List<io.vertx.core.Future<String>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                all.add(vertx.executeBlocking(() -> {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    release.await(5, TimeUnit.SECONDS);
                    running.decrementAndGet();
                    return Thread.currentThread().getName();
                }, false));
            }
            Thread.sleep(100);
            assertEquals(3, running.get());
            release.countDown();
            for (io.vertx.core.Future<String> f : all) {
                assertTrue(f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)
                        .startsWith("vert.x-worker-thread"));
            }
            assertEquals(3, most.get());
            // one at a time afterwards: always the same, most recently idle, worker
            Set<String> names = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 20; i++) {
                names.add(vertx.executeBlocking(() -> Thread.currentThread().getName(), false)
                        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
                Thread.sleep(2);
            }
            assertEquals(1, names.size(), names.toString());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
