package dev.caravan.api;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The wire tap's executor: work handed over on one of the gateway's worker threads ({@link RecentFirstWorkers}) runs
 * on that same thread as soon as its current task returns; work handed over on any other thread goes to a pool.
 * <p>
 * platform-http runs each request's route as one worker task and has the event loop write the answer when the task
 * returns, so the cost route starts while the answer is being written, never before it is handed over, on a thread
 * that is already running. A pool needed a sleeping thread woken for every request (the hand-off and the pool's
 * waits were about 8 % of the gateway's CPU at concurrency 32; bench/results/2026-11-26-hot-path-9.md), and one
 * thread for all of it got too little of the CPU beside the busy workers (hot-path-8 section 3). Spread over the
 * workers, the cost route gets the same share of the CPU as the requests it records.
 */
public final class AfterTaskExecutor extends AbstractExecutorService {

    /** The current worker task's handed-over work; absent on threads that are not the gateway's workers. */
    private static final ThreadLocal<ArrayDeque<Runnable>> AFTER_TASK = new ThreadLocal<>();

    private final ExecutorService elsewhere;

    /** {@code elsewhere} runs what is handed over on threads that are not the gateway's workers. */
    public AfterTaskExecutor(ExecutorService elsewhere) {
        this.elsewhere = elsewhere;
    }

    @Override
    public void execute(Runnable work) {
        ArrayDeque<Runnable> afterTask = AFTER_TASK.get();
        if (afterTask != null) {
            afterTask.add(work);
        } else {
            elsewhere.execute(work);
        }
    }

    /** Called by the worker pool before each task: from now on this thread keeps what is handed over to it. */
    static void workerTaskStarts() {
        if (AFTER_TASK.get() == null) {
            AFTER_TASK.set(new ArrayDeque<>());
        }
    }

    /** Called by the worker pool after each task: runs what the task handed over, in order, on this thread. */
    static void workerTaskEnded() {
        ArrayDeque<Runnable> afterTask = AFTER_TASK.get();
        Runnable next;
        while (afterTask != null && (next = afterTask.poll()) != null) {
            try {
                next.run();
            } catch (RuntimeException | Error e) {
                Thread thread = Thread.currentThread();
                thread.getUncaughtExceptionHandler().uncaughtException(thread, e);
            }
        }
    }

    @Override
    public void shutdown() {
        elsewhere.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return elsewhere.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return elsewhere.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return elsewhere.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return elsewhere.awaitTermination(timeout, unit);
    }
}
