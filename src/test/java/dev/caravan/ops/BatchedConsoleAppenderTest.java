package dev.caravan.ops;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The access log's appender: many lines per write, whole lines only, none held longer than its interval. */
class BatchedConsoleAppenderTest {

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

    private static BatchedConsoleAppender appender(Writes out, int bufferSize, long flushMillis) {
        BatchedConsoleAppender appender = new BatchedConsoleAppender("test",
                PatternLayout.newBuilder().withPattern("%m%n").build(), null, out, bufferSize, flushMillis);
        appender.start();
        return appender;
    }

    private static void log(Appender appender, String message) {
        appender.append(Log4jLogEvent.newBuilder().setLoggerName("caravan.access").setLevel(Level.INFO)
                .setMessage(new SimpleMessage(message)).build());
    }

    @Test
    void linesWaitForTheirIntervalThenGoOutTogether() throws Exception {
        Writes out = new Writes();
        BatchedConsoleAppender appender = appender(out, 8192, 400);
        try {
            for (int i = 0; i < 20; i++) {
                log(appender, "request " + i);
            }
            assertEquals("", out.all(), "nothing is written per line");
            long deadline = System.currentTimeMillis() + 5_000;
            while (out.writes.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, out.writes.size(), out.writes.toString());
            assertEquals(20, out.all().split("\n").length);
            assertTrue(out.all().startsWith("request 0\nrequest 1\n"), out.all());
        } finally {
            appender.stop(1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFullBufferWritesWholeLinesOnlyAndStopWritesTheRest() {
        Writes out = new Writes();
        BatchedConsoleAppender appender = appender(out, 1024, 60_000);
        String line = "x".repeat(90); // 91 bytes with its newline: a 1,024-byte buffer never ends on a line's end
        for (int i = 0; i < 100; i++) {
            log(appender, line + i);
        }
        assertTrue(out.writes.size() >= 8, "written as the buffer filled: " + out.writes.size());
        for (String write : out.writes) {
            assertTrue(write.endsWith("\n"), "a write ends a line: " + write.length());
        }
        appender.stop(1, TimeUnit.SECONDS);
        String[] lines = out.all().split("\n");
        assertEquals(100, lines.length);
        for (int i = 0; i < 100; i++) {
            assertEquals(line + i, lines[i]);
        }
    }

    @Test
    void flushAllWritesWhatEveryStartedAppenderHolds() {
        Writes out = new Writes();
        BatchedConsoleAppender appender = appender(out, 8192, 60_000);
        try {
            log(appender, "the last request");
            assertEquals("", out.all());
            BatchedConsoleAppender.flushAll();
            assertEquals("the last request\n", out.all());
        } finally {
            appender.stop(1, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLineLongerThanTheBufferIsWrittenInParts() {
        Writes out = new Writes();
        BatchedConsoleAppender appender = appender(out, 1024, 60_000);
        String longLine = "y".repeat(3000);
        log(appender, longLine);
        log(appender, "after");
        appender.stop(1, TimeUnit.SECONDS);
        assertEquals(longLine + "\nafter\n", out.all());
    }

    @Test
    void theAccessLoggerWritesThroughItInTheShippedConfiguration() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LoggerConfig access = context.getConfiguration().getLoggers().get("caravan.access");
        assertTrue(access != null && !access.isAdditive(), "caravan.access has a logger of its own");
        assertTrue(access.getAppenders().values().stream().anyMatch(BatchedConsoleAppender.class::isInstance),
                access.getAppenders().toString());
    }
}
