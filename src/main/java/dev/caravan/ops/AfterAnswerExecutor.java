package dev.caravan.ops;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.CamelContext;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where the wire-tapped cost route runs (api.yaml's {@code wireTap}s). When none of its steps blocks, that is when
 * the ledger writes records behind (the embedded store), it runs on the event loop that served the request, queued
 * behind the event that is answering it ({@code Context.runOnContext}): the answer is not delayed, and no thread is
 * woken per request, which on a busy gateway cost more than the cost route itself. Otherwise (DynamoDB, whose writes
 * the cost route waits for), and for an exchange not started by an HTTP request, it runs on a thread pool, as with
 * Camel's default wire tap.
 */
public final class AfterAnswerExecutor extends AbstractExecutorService {

    private final boolean onEventLoop;
    private final ExecutorService pool;

    /** {@code onEventLoop}: whether the cost route never blocks. */
    public AfterAnswerExecutor(CamelContext context, boolean onEventLoop) {
        this.onEventLoop = onEventLoop;
        this.pool = context.getExecutorServiceManager().newDefaultThreadPool(this, "WireTap");
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
