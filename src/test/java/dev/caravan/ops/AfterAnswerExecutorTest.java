package dev.caravan.ops;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the wire-tapped cost route runs: on the request's event loop after the current event, or on the pool. */
class AfterAnswerExecutorTest {

    private DefaultCamelContext camel;
    private Vertx vertx;

    @BeforeEach
    void start() {
        camel = new DefaultCamelContext();
        camel.start();
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        camel.stop();
    }

    @Test
    void onAnEventLoopTheTaskRunsThereOnceTheCurrentEventIsHandled() throws Exception {
        AfterAnswerExecutor executor = new AfterAnswerExecutor(camel, true);
        Context loop = vertx.getOrCreateContext();
        CompletableFuture<String> ranOn = new CompletableFuture<>();
        CompletableFuture<String> loopThread = new CompletableFuture<>();
        AtomicBoolean eventHandled = new AtomicBoolean();
        loop.runOnContext(event -> {
            loopThread.complete(Thread.currentThread().getName());
            executor.execute(() -> ranOn.complete(eventHandled.get() ? Thread.currentThread().getName() : "too early"));
            eventHandled.set(true); // e.g. the answer written after the wire tap's hand-off
        });
        assertEquals(loopThread.get(10, TimeUnit.SECONDS), ranOn.get(10, TimeUnit.SECONDS));
    }

    @Test
    void fromAWorkerOfTheRequestTheTaskGoesBackToItsEventLoop() throws Exception {
        AfterAnswerExecutor executor = new AfterAnswerExecutor(camel, true);
        Context loop = vertx.getOrCreateContext();
        CompletableFuture<String> loopThread = new CompletableFuture<>();
        CompletableFuture<String> ranOn = new CompletableFuture<>();
        loop.runOnContext(event -> {
            loopThread.complete(Thread.currentThread().getName());
            vertx.executeBlocking(onWorker -> {
                assertFalse(Context.isOnEventLoopThread());
                executor.execute(() -> ranOn.complete(Thread.currentThread().getName()));
                onWorker.complete();
            }, false);
        });
        assertEquals(loopThread.get(10, TimeUnit.SECONDS), ranOn.get(10, TimeUnit.SECONDS));
    }

    @Test
    void whenRecordingMayBlockOrNoRequestIsAroundTheTaskRunsOnThePool() throws Exception {
        AfterAnswerExecutor blocking = new AfterAnswerExecutor(camel, false);
        CompletableFuture<String> fromLoop = new CompletableFuture<>();
        CompletableFuture<String> loopThread = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(event -> {
            loopThread.complete(Thread.currentThread().getName());
            blocking.execute(() -> fromLoop.complete(Thread.currentThread().getName()));
        });
        String pooled = fromLoop.get(10, TimeUnit.SECONDS);
        assertNotEquals(loopThread.get(10, TimeUnit.SECONDS), pooled);
        assertTrue(pooled.contains("WireTap"), pooled);

        AfterAnswerExecutor onLoop = new AfterAnswerExecutor(camel, true);
        CompletableFuture<String> fromPlainThread = new CompletableFuture<>();
        onLoop.execute(() -> fromPlainThread.complete(Thread.currentThread().getName()));
        String ran = fromPlainThread.get(10, TimeUnit.SECONDS);
        assertNotEquals(Thread.currentThread().getName(), ran);
        assertTrue(ran.contains("WireTap"), ran);
    }

    @Test
    void withEveryThreadWaitingForTheStoreATaskFromAnEventLoopWaitsInTheQueueNotOnTheLoop() throws Exception {
        AfterAnswerExecutor blocking = new AfterAnswerExecutor(camel, false);
        CountDownLatch storeSlow = new CountDownLatch(1);
        // More tasks than Camel's default pool takes (threads and queue), each holding its thread while the store is slow.
        var camelDefault = camel.getExecutorServiceManager().getDefaultThreadPoolProfile();
        int beyondTheDefault = camelDefault.getMaxPoolSize() + camelDefault.getMaxQueueSize() + 1;
        for (int i = 0; i < beyondTheDefault; i++) {
            blocking.execute(() -> {
                if (Thread.currentThread().getName().contains("WireTap")) {
                    awaitQuietly(storeSlow);
                }
            });
        }
        CompletableFuture<String> loopThread = new CompletableFuture<>();
        CompletableFuture<String> ranOn = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(event -> {
            loopThread.complete(Thread.currentThread().getName());
            blocking.execute(() -> ranOn.complete(Thread.currentThread().getName()));
        });
        loopThread.get(10, TimeUnit.SECONDS);
        storeSlow.countDown();
        String ran = ranOn.get(30, TimeUnit.SECONDS);
        assertNotEquals(loopThread.get(), ran);
        assertTrue(ran.contains("WireTap"), ran);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
