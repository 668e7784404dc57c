package dev.caravan.ops;

import java.io.OutputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;

/**
 * Standard output for the gateway's own logs (java.util.logging's ConsoleHandler writes to standard error), written at
 * once by a thread of its own ({@link QueuedOutput}): the logging thread, an event loop among them, formats the record
 * and never waits for the output. A record goes out in one write, so that no other line lands inside it (standard
 * output is locked for one write at a time, and a stack trace is often longer than an encoder's 8 KiB buffer).
 *
 * <p>Settings, in the logging configuration: {@code dev.caravan.ops.StdoutHandler.level} (ALL unless given: the
 * loggers' levels decide), {@code .formatter} ({@link LineFormatter} unless given), {@code .encoding} (UTF-8 unless
 * given), {@code .capacity} (bytes that may wait for a stalled output before records are dropped: 1 MiB unless given,
 * at least 64 KiB).
 */
public class StdoutHandler extends Handler {

    private final QueuedOutput output;
    /** The encoding's charset, looked up once rather than by name for every record. */
    private volatile Charset charset = StandardCharsets.UTF_8;

    public StdoutHandler() {
        this(System.out, 1, 0, capacity(StdoutHandler.class), "log-writer-stdout");
    }

    /** Written once {@code batchBytes} are held or {@code flushMillis} after the first of them, with its settings. */
    StdoutHandler(OutputStream out, int batchBytes, long flushMillis, int capacity, String threadName) {
        String level = setting(getClass(), "level");
        setLevel(level == null ? Level.ALL : Level.parse(level.trim()));
        String formatter = setting(getClass(), "formatter");
        setFormatter(formatter == null ? new LineFormatter() : (Formatter) LogSetup.instance(formatter.trim()));
        String encoding = setting(getClass(), "encoding");
        try {
            setEncoding(encoding == null ? "UTF-8" : encoding.trim());
        } catch (UnsupportedEncodingException e) {
            throw new IllegalArgumentException("Unknown encoding for " + getClass().getName() + ": " + encoding, e);
        }
        output = new QueuedOutput(this, threadName, out, batchBytes, flushMillis, capacity,
                dropped -> formatted(droppedRecord(dropped)));
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        byte[] line = formatted(record);
        if (line != null) {
            output.append(line);
        }
    }

    @Override
    public synchronized void setEncoding(String encoding) throws UnsupportedEncodingException {
        super.setEncoding(encoding);
        charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
    }

    /** Writes what is held, waiting for it a bounded time. */
    @Override
    public void flush() {
        output.flush();
    }

    /** Writes what is held and ends the writer thread; standard output stays open for the rest of the process. */
    @Override
    public void close() {
        output.close();
    }

    /** Writes what every open handler holds: called once the Camel context has stopped, after its last requests. */
    public static void flushAll() {
        QueuedOutput.flushAll();
    }

    /** The record as the handler's formatter writes it, encoded; null, reported to the handler, if formatting fails. */
    private byte[] formatted(LogRecord record) {
        try {
            return getFormatter().format(record).getBytes(charset);
        } catch (RuntimeException e) {
            getErrorManager().error("Cannot format a log record", e, ErrorManager.FORMAT_FAILURE);
            return null;
        }
    }

    private LogRecord droppedRecord(long dropped) {
        LogRecord record = new LogRecord(Level.WARNING, dropped
                + " log records dropped: standard output did not take them (is the log collector reading?)");
        record.setLoggerName(getClass().getName());
        return record;
    }

    static String setting(Class<?> handler, String name) {
        return LogManager.getLogManager().getProperty(handler.getName() + "." + name);
    }

    /** A whole-number setting of {@code handler}'s, or {@code fallback} when it is not given. */
    static int intSetting(Class<?> handler, String name, int fallback) {
        String value = setting(handler, name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(handler.getName() + "." + name + " must be a whole number, not '"
                    + value.trim() + "'", e);
        }
    }

    /** The bytes {@code handler}'s output may hold for a stalled output: its {@code capacity} setting, or 1 MiB. */
    static int capacity(Class<?> handler) {
        return Math.max(QueuedOutput.LEAST_CAPACITY, intSetting(handler, "capacity", QueuedOutput.CAPACITY));
    }
}
