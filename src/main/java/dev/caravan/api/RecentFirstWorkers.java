package dev.caravan.api;

import io.vertx.core.spi.ExecutorServiceFactory;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Vert.x's worker pools (where platform-http runs every exchange, and where streams are relayed), handing each task
 * to the thread that went idle most recently.
 * <p>
 * Vert.x's own pool is a fixed pool: it starts a new thread for each task until it has its maximum (1,100 here,
 * one per open stream) and then wakes its idle threads in turn, so each request ran on the thread that had waited
 * longest, whose stack and allocation buffer had long left the CPU's caches. On a quiet gateway that cost about
 * 0.1 ms per request (measured between the edge handler and the route's first step). Here an idle thread waits on
 * a {@link SynchronousQueue}, which hands work to the last thread to wait first; a thread is started only when
 * none is idle, up to the same maximum, and one idle for a minute ends. Beyond the maximum tasks queue, as before.
 * Loaded by Vert.x as a service (META-INF/services/io.vertx.core.spi.VertxServiceProvider).
 */
public final class RecentFirstWorkers implements ExecutorServiceFactory {

    private static final long IDLE_SECONDS = 60;

    @Override
    public ExecutorService createExecutor(ThreadFactory threadFactory, Integer concurrency, Integer maxConcurrency) {
        return new Pool(maxConcurrency, threadFactory);
    }

    static final class Pool extends ThreadPoolExecutor {

        private static final Runnable NUDGE = () -> { };

        private final Queue<Runnable> backlog = new ConcurrentLinkedQueue<>();

        Pool(int maxThreads, ThreadFactory threadFactory) {
            super(0, maxThreads, IDLE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(), threadFactory);
            setRejectedExecutionHandler((task, pool) -> {
                if (pool.isShutdown()) {
                    throw new RejectedExecutionException("worker pool shut down");
                }
                // Every thread is busy: the task waits for the first to finish (afterExecute). Should a thread
                // have gone idle in the meantime, the nudge wakes it to take the backlog.
                backlog.add(task);
                pool.getQueue().offer(NUDGE);
            });
        }

        @Override
        protected void afterExecute(Runnable finished, Throwable failure) {
            Runnable next;
            while ((next = backlog.poll()) != null) {
                try {
                    next.run();
                } catch (RuntimeException | Error e) {
                    Thread thread = Thread.currentThread();
                    thread.getUncaughtExceptionHandler().uncaughtException(thread, e);
                }
            }
        }
    }
}
