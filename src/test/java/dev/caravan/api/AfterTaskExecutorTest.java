package dev.caravan.api;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AfterTaskExecutorTest {

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final ExecutorService workers = new RecentFirstWorkers().createExecutor(runnable -> {
        Thread thread = new Thread(runnable, "worker");
        thread.setUncaughtExceptionHandler((t, e) -> failures.add(t.getName() + ": " + e.getMessage()));
        return thread;
    }, 4, 4);
    private final ExecutorService elsewhere = Executors.newSingleThreadExecutor(
            runnable -> new Thread(runnable, "elsewhere"));
    private final AfterTaskExecutor afterTask = new AfterTaskExecutor(elsewhere);

    @AfterEach
    void stop() {
        workers.shutdownNow();
        elsewhere.shutdownNow();
    }

    @Test
    void workHandedOverOnAWorkerRunsOnThatWorkerOnceItsTaskReturned() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        workers.execute(() -> {
            afterTask.execute(() -> {
                events.add("recorded on " + Thread.currentThread().getName());
                done.countDown();
            });
            events.add("answered");
        });

        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("answered", "recorded on worker"), events);
    }

    @Test
    void workHandedOverOnAnyOtherThreadRunsOnThePool() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        afterTask.execute(() -> {
            events.add(Thread.currentThread().getName());
            done.countDown();
        });

        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("elsewhere"), events);
    }

    @Test
    void handedOverWorkRunsInOrderAndAFailureDoesNotStopTheRest() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        workers.execute(() -> {
            afterTask.execute(() -> events.add("first"));
            afterTask.execute(() -> {
                throw new IllegalStateException("the cost route failed");
            });
            afterTask.execute(() -> {
                events.add("third");
                done.countDown();
            });
        });

        assertTrue(done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("first", "third"), events);
        assertEquals(List.of("worker: the cost route failed"), failures);
        // The worker is still in service, and the next task's work is its own.
        CountDownLatch next = new CountDownLatch(1);
        workers.execute(() -> afterTask.execute(next::countDown));
        assertTrue(next.await(5, TimeUnit.SECONDS));
    }

    @Test
    void aTaskWaitingForAFreeWorkerHandsOverToTheWorkerThatRunsIt() throws Exception {
        ExecutorService one = new RecentFirstWorkers().createExecutor(runnable -> new Thread(runnable, "only"), 1, 1);
        try {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            one.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // The only thread is busy: this task waits in the backlog and runs after the first one.
            one.execute(() -> {
                afterTask.execute(() -> {
                    events.add("recorded on " + Thread.currentThread().getName());
                    done.countDown();
                });
                events.add("answered");
            });
            release.countDown();

            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertEquals(List.of("answered", "recorded on only"), events);
            assertNotEquals("elsewhere", events.get(1));
        } finally {
            one.shutdownNow();
        }
    }
}
