package dev.caravan.ops;

import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The gateway's own logs on standard output: each record in one write, so that no other line can land inside it. */
class StdoutHandlerTest {

    /** A handler made as the logging configuration makes it, while standard output is {@code out}. */
    static StdoutHandler writingTo(OutputStream out) {
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(out, false, StandardCharsets.UTF_8));
        try {
            return new StdoutHandler();
        } finally {
            System.setOut(stdout);
        }
    }

    @Test
    void aLongRecordReachesStandardOutputInOneWrite() throws Exception {
        // Standard output's lock is held for one write call only. A record written in pieces (a stack trace is
        // often longer than an encoder's 8 KiB buffer) lets the access log's batch, written by another thread
        // under another handler's lock, land in the middle of its line.
        BatchedStdoutHandlerTest.Writes writes = new BatchedStdoutHandlerTest.Writes();
        StdoutHandler handler = writingTo(writes);
        handler.setFormatter(new LineFormatter());
        String message = "é".repeat(20_000); // 40,000 bytes in UTF-8
        LogRecord record = new LogRecord(Level.WARNING, message);
        record.setLoggerName("dev.caravan.Test");
        handler.publish(record);
        handler.close();
        assertEquals(1, writes.writes.size(), "write calls");
        String line = writes.writes.get(0);
        assertEquals(message + "\n", line.substring(line.indexOf(" - ") + 3));
    }
}
