package dev.caravan.ops;

import java.io.OutputStream;
import java.util.logging.Formatter;

/**
 * Standard output in batches, for the access log's one line per request: records gather in a buffer and its writer
 * thread writes them when it holds {@code bufferSize} bytes or {@code flushMillis} after the first of them, one system
 * call for many lines instead of one per request. As with {@link StdoutHandler}, the event loop that logs never waits
 * for standard output, and when it stalls lines are dropped and counted rather than held without bound. The last lines
 * are written when the gateway's Camel context has stopped ({@link #flushAll}, after the last request's line) and when
 * the JVM shuts down; a process killed outright loses at most {@code flushMillis} of them (every request's cost record
 * is in the ledger, not here).
 *
 * <p>Settings, in the logging configuration: {@code dev.caravan.ops.BatchedStdoutHandler.level},
 * {@code .formatter} (default {@link LineFormatter}), {@code .encoding} (default UTF-8), {@code .bufferSize} (bytes,
 * default 8192, at least 1024), {@code .flushMillis} (default 200) and {@code .capacity} (bytes that may wait for a
 * stalled output before lines are dropped: default 1 MiB, at least 64 KiB).
 */
public class BatchedStdoutHandler extends StdoutHandler {

    public BatchedStdoutHandler() {
        super(System.out, Math.max(1024, intSetting(BatchedStdoutHandler.class, "bufferSize", 8192)),
                Math.max(1, intSetting(BatchedStdoutHandler.class, "flushMillis", 200)),
                capacity(BatchedStdoutHandler.class), "log-writer-access");
    }

    BatchedStdoutHandler(OutputStream out, int bufferSize, long flushMillis, int capacity, Formatter formatter) {
        super(out, Math.max(1024, bufferSize), Math.max(1, flushMillis), capacity, "log-writer-access");
        setFormatter(formatter);
    }
}
