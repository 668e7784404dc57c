package dev.caravan.ops;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The access log's handler: many lines per write, whole lines only, none held longer than its interval. */
class BatchedStdoutHandlerTest {

    /** What reached the output, one entry per write call. */
    static final class Writes extends OutputStream {
        final List<String> writes = new CopyOnWriteArrayList<>();

        @Override
        public void write(int b) {
            writes.add(String.valueOf((char) b));
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes.add(new String(b, off, len, StandardCharsets.UTF_8));
        }

        String all() {
            return String.join("", writes);
        }
    }

    private static final Formatter MESSAGE_ONLY = new Formatter() {
        @Override
        public String format(LogRecord record) {
            return record.getMessage() + "\n";
        }
    };

    private static BatchedStdoutHandler handler(Writes out, int bufferSize, long flushMillis) {
        return new BatchedStdoutHandler(out, bufferSize, flushMillis, QueuedOutput.CAPACITY, MESSAGE_ONLY);
    }

    private static void log(BatchedStdoutHandler handler, String message) {
        LogRecord record = new LogRecord(Level.INFO, message);
        record.setLoggerName("caravan.access");
        handler.publish(record);
    }

    static void awaitAWrite(Writes out) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        while (out.writes.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(out.writes.isEmpty(), "nothing was written");
    }

    @Test
    void linesWaitForTheirIntervalThenGoOutTogether() throws Exception {
        Writes out = new Writes();
        BatchedStdoutHandler handler = handler(out, 8192, 400);
        try {
            for (int i = 0; i < 20; i++) {
                log(handler, "request " + i);
            }
            assertEquals("", out.all(), "nothing is written per line");
            awaitAWrite(out);
            assertEquals(1, out.writes.size(), out.writes.toString());
            assertEquals(20, out.all().split("\n").length);
            assertTrue(out.all().startsWith("request 0\nrequest 1\n"), out.all());
        } finally {
            handler.close();
        }
    }

    @Test
    void aFullBufferWritesWholeLinesOnlyAndCloseWritesTheRest() throws Exception {
        Writes out = new Writes();
        BatchedStdoutHandler handler = handler(out, 1024, 60_000);
        String line = "x".repeat(90); // 91 bytes with its newline: a 1,024-byte buffer never ends on a line's end
        for (int i = 0; i < 100; i++) {
            log(handler, line + i);
        }
        awaitAWrite(out); // the full buffer's, long before the interval's end
        handler.close();
        for (String write : out.writes) {
            assertTrue(write.endsWith("\n"), "a write ends a line: " + write.length());
        }
        String[] lines = out.all().split("\n");
        assertEquals(100, lines.length);
        for (int i = 0; i < 100; i++) {
            assertEquals(line + i, lines[i]);
        }
    }

    @Test
    void flushAllWritesWhatEveryOpenHandlerHolds() {
        Writes out = new Writes();
        BatchedStdoutHandler handler = handler(out, 8192, 60_000);
        try {
            log(handler, "the last request");
            assertEquals("", out.all());
            StdoutHandler.flushAll();
            assertEquals("the last request\n", out.all());
        } finally {
            handler.close();
        }
    }

    @Test
    void aLineLongerThanTheBufferIsWrittenWhole() throws Exception {
        Writes out = new Writes();
        BatchedStdoutHandler handler = handler(out, 1024, 60_000);
        String longLine = "y".repeat(3000);
        log(handler, longLine);
        awaitAWrite(out);
        assertEquals(List.of(longLine + "\n"), out.writes);
        log(handler, "after");
        handler.close();
        assertEquals(longLine + "\nafter\n", out.all());
    }

    @Test
    void aLineLoggedAfterTheCloseIsWrittenAtOnce() {
        // A reset of the logging configuration closes the handler while another thread may still be publishing to
        // it; nothing would write a line left in the batch after that.
        Writes out = new Writes();
        BatchedStdoutHandler handler = handler(out, 8192, 60_000);
        handler.close();
        log(handler, "a late request");
        assertEquals("a late request\n", out.all());
    }

    @Test
    void recordsBelowItsLevelAreNotWritten() {
        Writes out = new Writes();
        BatchedStdoutHandler handler = handler(out, 8192, 60_000);
        handler.setLevel(Level.WARNING);
        log(handler, "an info line");
        handler.close();
        assertEquals("", out.all());
    }
}
