package dev.caravan.ops;

import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The gateway's own logs on standard output: each record in one write, so that no other line can land inside it. */
class StdoutHandlerTest {

    @Test
    void aLongRecordReachesStandardOutputInOneWrite() throws Exception {
        // Standard output's lock is held for one write call only. A record written in pieces (a stack trace is
        // often longer than an encoder's 8 KiB buffer) lets the access log's batch, written by another thread
        // under another handler's lock, land in the middle of its line.
        BatchedStdoutHandlerTest.Writes writes = new BatchedStdoutHandlerTest.Writes();
        PrintStream stdout = System.out;
        StdoutHandler handler;
        System.setOut(new PrintStream(writes, false, StandardCharsets.UTF_8));
        try {
            handler = new StdoutHandler();
        } finally {
            System.setOut(stdout);
        }
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
