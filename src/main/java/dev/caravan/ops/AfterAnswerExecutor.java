package dev.caravan.ops;

import dev.caravan.ledger.Ledger;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where the wire-tapped cost route runs (api.yaml's {@code wireTap}s). When none of its steps blocks, that is when
 * the ledger writes records behind (the embedded store), it runs on the event loop that served the request, queued
 * behind the event that is answering it ({@code Context.runOnContext}): the answer is not delayed, and no thread is
 * woken per request, which on a busy gateway cost more than the cost route itself. Otherwise (DynamoDB, whose writes
 * the cost route waits for), and for an exchange not started by an HTTP request, it runs on a thread pool. Unlike
 * Camel's default pool (10 threads busy before more are made, 1,000 queued), whose full queue ran the cost route on
 * the caller, an event loop then waiting for the store with every connection on it, this one has a thread for each
 * write the store may have waiting ({@link Ledger#STORE_WRITES_AT_ONCE}) and some to spool the records meanwhile, and
 * queues up to {@link #MAX_QUEUED} tasks; beyond, the caller runs the task, and on an event loop that spools the
 * record instead of waiting for the store.
 */
public final class AfterAnswerExecutor extends AbstractExecutorService {

    /** The threads that wait for the store, and some to spool while they do. */
    static final int THREADS = Ledger.STORE_WRITES_AT_ONCE + 4;
    /** Tasks waiting for a thread at most (each holds its request's exchange). */
    static final int MAX_QUEUED = 10_000;

    private final boolean onEventLoop;
    private final ExecutorService pool;

    /** {@code onEventLoop}: whether the cost route never blocks. */
    public AfterAnswerExecutor(CamelContext context, boolean onEventLoop) {
        this.onEventLoop = onEventLoop;
        ThreadPoolProfile profile = new ThreadPoolProfile("caravan-after-answer");
        profile.setPoolSize(THREADS);
        profile.setMaxPoolSize(THREADS);
        profile.setMaxQueueSize(MAX_QUEUED);
        // Beyond that the caller runs the task: an event loop then spools the record rather than wait for the store
        // (CostRecordWriter), so a store that is behind neither blocks a loop for long nor fills the memory.
        profile.setRejectedPolicy(ThreadPoolRejectedPolicy.CallerRuns);
        this.pool = context.getExecutorServiceManager().newThreadPool(this, "WireTap", profile);
    }

    @Override
    public void execute(Runnable task) {
        Context request = onEventLoop ? Vertx.currentContext() : null;
        if (request != null && request.isEventLoopContext()) {
            request.runOnContext(ignored -> task.run());
        } else {
            pool.execute(task);
        }
    }

    /** The pool is Camel's: it is shut down with the context. */
    @Override
    public void shutdown() {
        pool.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return pool.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return pool.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return pool.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return pool.awaitTermination(timeout, unit);
    }
}
