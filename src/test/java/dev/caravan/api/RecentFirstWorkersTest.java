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

    /**
     * Waits until {@code worker} is back waiting for a task (parked in the pool's queue). A task finished and its
     * result read is not enough: on a busy machine the thread may not yet be waiting when the next task comes, and
     * the pool rightly gives that task to another thread.
     */
    private static void awaitIdle(Thread worker) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (worker.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, worker + " did not go back to waiting: " + worker.getState());
            Thread.sleep(1);
        }
    }

    /** Waits until {@code count} reaches {@code expected}, for up to 5 s. */
    private static void awaitCount(AtomicInteger count, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (count.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
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
                Thread ran = pool.submit(() -> {
                    threads.add(Thread.currentThread());
                    return Thread.currentThread();
                }).get(5, TimeUnit.SECONDS);
                awaitIdle(ran); // the thread finishes its task (afterExecute) and waits again before the next task
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
            for (Thread t : three) {
                awaitIdle(t);
            }
            Thread last = pool.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
            awaitIdle(last);
            for (int i = 0; i < 20; i++) {
                assertEquals(last, pool.submit(Thread::currentThread).get(5, TimeUnit.SECONDS));
                awaitIdle(last);
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
            awaitCount(running, 2);
            Thread.sleep(100); // time for a third to start, were the pool to start one
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
            List<io.vertx.core.Future<Thread>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                all.add(vertx.executeBlocking(() -> {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    release.await(5, TimeUnit.SECONDS);
                    running.decrementAndGet();
                    return Thread.currentThread();
                }, false));
            }
            awaitCount(running, 3);
            Thread.sleep(100); // time for a fourth to start, were the pool to start one
            assertEquals(3, running.get());
            release.countDown();
            Set<Thread> workers = ConcurrentHashMap.newKeySet();
            for (io.vertx.core.Future<Thread> f : all) {
                Thread worker = f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertTrue(worker.getName().startsWith("vert.x-worker-thread"), worker.getName());
                workers.add(worker);
            }
            assertEquals(3, most.get());
            for (Thread worker : workers) {
                awaitIdle(worker);
            }
            // one at a time afterwards: always the same, most recently idle, worker
            Set<String> names = ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 20; i++) {
                Thread ran = vertx.executeBlocking(() -> {
                    names.add(Thread.currentThread().getName());
                    return Thread.currentThread();
                }, false).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
                awaitIdle(ran);
            }
            assertEquals(1, names.size(), names.toString());
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
