package dev.caravan.ops;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;

/**
 * Standard output in batches, for the access log's one line per request: formatted records gather in a buffer and
 * are written when it holds {@code bufferSize} bytes or at the latest {@code flushMillis} after they were logged, one
 * system call for many lines instead of one per request on the event loop. Only whole records are written, so they
 * never interleave with other loggers' lines. The last lines are written when the gateway's Camel context has
 * stopped ({@link #flushAll}, after the last request's line) and when the handler is closed (after which each line
 * is written at once); a process killed outright loses at most {@code flushMillis} of them (every request's cost
 * record is in the ledger, not here).
 *
 * <p>Settings, in the logging configuration: {@code dev.caravan.ops.BatchedStdoutHandler.level},
 * {@code .formatter} (default {@link LineFormatter}), {@code .bufferSize} (bytes, default 8192, at least 1024) and
 * {@code .flushMillis} (default 200).
 */
public class BatchedStdoutHandler extends Handler {

    private static final Set<BatchedStdoutHandler> OPEN = ConcurrentHashMap.newKeySet();

    private final OutputStream out;
    private final int bufferSize;
    private final ByteArrayOutputStream buffer;
    private final ScheduledExecutorService flusher;
    /** Set by close, under the lock: from then on a line is written at once, as nothing would flush it later. */
    private boolean closed;

    public BatchedStdoutHandler() {
        this(System.out, intSetting("bufferSize", 8192), intSetting("flushMillis", 200), formatterSetting());
        String level = setting("level");
        if (level != null) {
            setLevel(Level.parse(level.trim()));
        }
    }

    BatchedStdoutHandler(OutputStream out, int bufferSize, long flushMillis, Formatter formatter) {
        this.out = out;
        this.bufferSize = Math.max(1024, bufferSize);
        this.buffer = new ByteArrayOutputStream(this.bufferSize + 512);
        setFormatter(formatter);
        flusher = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "log-flush-access");
            thread.setDaemon(true);
            return thread;
        });
        long interval = Math.max(1, flushMillis);
        flusher.scheduleWithFixedDelay(this::flush, interval, interval, TimeUnit.MILLISECONDS);
        OPEN.add(this);
    }

    /**
     * Writes what every open handler holds. Called once the Camel context has stopped: the lines of the last requests
     * it drained are written before the process ends.
     */
    public static void flushAll() {
        OPEN.forEach(BatchedStdoutHandler::flush);
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        byte[] line = StdoutHandler.formatted(this, record, StandardCharsets.UTF_8);
        if (line == null) {
            return;
        }
        synchronized (this) {
            buffer.write(line, 0, line.length);
            if (buffer.size() >= bufferSize || closed) {
                write();
            }
        }
    }

    @Override
    public synchronized void flush() {
        write();
    }

    @Override
    public void close() {
        OPEN.remove(this);
        flusher.shutdownNow();
        synchronized (this) {
            closed = true;
            write();
        }
    }

    private void write() {
        if (buffer.size() == 0) {
            return;
        }
        try {
            buffer.writeTo(out);
            out.flush();
        } catch (IOException e) {
            reportError("Cannot write the access log's lines", e, ErrorManager.WRITE_FAILURE);
        } finally {
            buffer.reset(); // a line that could not be written is not tried again forever
        }
    }

    private static String setting(String name) {
        return LogManager.getLogManager().getProperty(BatchedStdoutHandler.class.getName() + "." + name);
    }

    private static int intSetting(String name, int fallback) {
        String value = setting(name);
        try {
            return value == null ? fallback : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static Formatter formatterSetting() {
        String name = setting("formatter");
        if (name == null) {
            return new LineFormatter();
        }
        return (Formatter) LogSetup.instance(name.trim());
    }
}
