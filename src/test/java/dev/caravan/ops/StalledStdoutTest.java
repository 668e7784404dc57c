package dev.caravan.ops;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.StreamHandler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Standard output that stops taking lines (a log collector that stopped reading leaves the pipe full): no thread that
 * logs waits for it, what does not fit is dropped and counted, and the count is reported once the output moves again.
 */
class StalledStdoutTest {

    /** An output whose writes wait until it is released, as a write to a full pipe does; then it keeps them. */
    static final class Stalled extends OutputStream {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch released = new CountDownLatch(1);
        final BatchedStdoutHandlerTest.Writes kept = new BatchedStdoutHandlerTest.Writes();

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            entered.countDown();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            kept.write(b, off, len);
        }
    }

    private static final Formatter MESSAGE_ONLY = new Formatter() {
        @Override
        public String format(LogRecord record) {
            return record.getMessage() + "\n";
        }
    };

    private static LogRecord record(String message) {
        LogRecord record = new LogRecord(Level.INFO, message);
        record.setLoggerName("caravan.access");
        return record;
    }

    /** Publishes from another thread, as an event loop would, and fails if that does not return within the bound. */
    private static void publishFromAnotherThread(Handler handler, List<String> messages) throws Exception {
        CompletableFuture<Void> published = CompletableFuture.runAsync(() -> messages.forEach(m -> handler.publish(record(m))));
        published.get(10, TimeUnit.SECONDS); // liveness, not speed: a blocked publish never returns
    }

    /** Publishes records that make a batch, and waits until the writer's write of them has begun: and stalled. */
    private static void stall(Handler handler, Stalled out, List<String> batch) throws Exception {
        publishFromAnotherThread(handler, batch);
        assertTrue(out.entered.await(10, TimeUnit.SECONDS), "the batch's write began");
    }

    @Test
    void anAccessLineIsPublishedWhileStandardOutputIsStalled() throws Exception {
        Stalled out = new Stalled();
        BatchedStdoutHandler handler = new BatchedStdoutHandler(out, 1024, 60_000, QueuedOutput.CAPACITY, MESSAGE_ONLY);
        try {
            String line = "x".repeat(600);
            stall(handler, out, List.of(line + 1, line + 2));
            publishFromAnotherThread(handler, List.of(line + 3, line + 4));
            out.released.countDown();
            handler.flush();
            assertEquals(String.join("\n", line + 1, line + 2, line + 3, line + 4) + "\n", out.kept.all());
        } finally {
            out.released.countDown();
            handler.close();
        }
    }

    @Test
    void aLogLineIsPublishedWhileStandardOutputIsStalled() throws Exception {
        Stalled out = new Stalled();
        StdoutHandler handler = StdoutHandlerTest.writingTo(out);
        handler.setFormatter(MESSAGE_ONLY);
        try {
            stall(handler, out, List.of("first"));
            publishFromAnotherThread(handler, List.of("second", "third"));
            out.released.countDown();
            handler.close();
            assertEquals("first\nsecond\nthird\n", out.kept.all());
        } finally {
            out.released.countDown();
        }
    }

    @Test
    void linesThatDoNotFitAreDroppedCountedAndReportedOnceOutputMovesAgain() throws Exception {
        Stalled out = new Stalled();
        BatchedStdoutHandler handler = new BatchedStdoutHandler(out, 1024, 60_000, 4096, MESSAGE_ONLY);
        long droppedBefore = QueuedOutput.droppedTotal();
        try {
            stall(handler, out, List.of("s".repeat(1100)));
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                lines.add(String.format("line %03d ", i) + "y".repeat(90)); // 100 bytes with its newline
            }
            publishFromAnotherThread(handler, lines); // 40 fit in 4,096 bytes, 60 do not
            out.released.countDown();
            handler.flush();
            publishFromAnotherThread(handler, List.of("after"));
            handler.close();

            List<String> written = out.kept.all().lines().toList();
            assertEquals("s".repeat(1100), written.get(0));
            assertEquals(lines.subList(0, 40), written.subList(1, 41));
            assertEquals("60 log records dropped: standard output did not take them (is the log collector reading?)",
                    written.get(41));
            assertEquals(List.of("after"), written.subList(42, written.size()), "reported once");
            assertEquals(60, QueuedOutput.droppedTotal() - droppedBefore, "counted for caravan_log_records_dropped_total");
        } finally {
            out.released.countDown();
            handler.close();
        }
    }

    @Test
    void theDropReportIsALineOfTheHandlersOwnFormat() throws Exception {
        Stalled out = new Stalled();
        BatchedStdoutHandler handler = new BatchedStdoutHandler(out, 1024, 60_000, 2048, new EcsJsonFormatter());
        try {
            stall(handler, out, List.of("s".repeat(1100)));
            publishFromAnotherThread(handler, List.of("z".repeat(1500), "z".repeat(1500), "z".repeat(1500)));
            out.released.countDown();
            handler.flush();
            String report = out.kept.all().lines().reduce((first, second) -> second).orElseThrow();
            assertTrue(report.startsWith("{") && report.contains("\"log.level\":\"WARN\"")
                    && report.contains("\"message\":\"2 log records dropped: ")
                    && report.contains("\"log.logger\":\"dev.caravan.ops.BatchedStdoutHandler\""), report);
        } finally {
            out.released.countDown();
            handler.close();
        }
    }

    @Test
    void aFlushGivesUpOnAStalledOutputAfterItsBound() throws Exception {
        Stalled out = new Stalled();
        QueuedOutput output = new QueuedOutput(new StreamHandler(), "log-writer-test", out, 1, 0, QueuedOutput.CAPACITY,
                dropped -> null);
        try {
            output.append("stalls\n".getBytes(StandardCharsets.UTF_8));
            assertTrue(out.entered.await(10, TimeUnit.SECONDS), "its write began");
            output.append("waits\n".getBytes(StandardCharsets.UTF_8));
            assertFalse(CompletableFuture.supplyAsync(output::flush).get(QueuedOutput.FLUSH_WAIT_MILLIS + 10_000,
                    TimeUnit.MILLISECONDS), "a flush of a stalled output returns, unwritten");
            out.released.countDown();
            assertTrue(output.flush(), "written once the output moves");
            assertEquals("stalls\nwaits\n", out.kept.all());
        } finally {
            out.released.countDown();
            output.close();
        }
    }

    @Test
    void nothingIsLostWhenOutputKeepsUpAndTheStopWritesTheRest() throws Exception {
        BatchedStdoutHandlerTest.Writes out = new BatchedStdoutHandlerTest.Writes();
        BatchedStdoutHandler handler = new BatchedStdoutHandler(out, 1024, 60_000, QueuedOutput.CAPACITY, MESSAGE_ONLY);
        ExecutorService eventLoops = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> loops = new ArrayList<>();
            for (int loop = 0; loop < 4; loop++) {
                String name = "loop" + loop;
                loops.add(eventLoops.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        handler.publish(record(name + " request " + i));
                    }
                }));
            }
            for (Future<?> loop : loops) {
                loop.get(60, TimeUnit.SECONDS);
            }
            StdoutHandler.flushAll(); // as when the Camel context has stopped
            for (String write : out.writes) {
                assertTrue(write.endsWith("\n"), "a write ends a line");
            }
            List<String> lines = out.all().lines().toList();
            assertEquals(8_000, lines.size());
            for (int loop = 0; loop < 4; loop++) {
                String name = "loop" + loop + " ";
                List<String> own = lines.stream().filter(l -> l.startsWith(name)).toList();
                for (int i = 0; i < 2_000; i++) {
                    assertEquals(name + "request " + i, own.get(i), "in order, none lost");
                }
            }
        } finally {
            eventLoops.shutdownNow();
            handler.close();
        }
    }
}
