package dev.caravan.ops;

import java.io.PrintStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.StreamHandler;

/**
 * Standard output, a record at a time, flushed after each: the gateway's own logs (java.util.logging's
 * ConsoleHandler writes to standard error). Set up from the logging configuration like any JDK handler
 * ({@code dev.caravan.ops.StdoutHandler.level}, ALL unless given, {@code .formatter}, {@code .encoding}, UTF-8 unless
 * given).
 * A record goes out in one write: standard output is locked for one write at a time, and StreamHandler's encoder
 * writes a long record (a stack trace) in 8 KiB pieces, between which the access log's batch could land.
 */
public class StdoutHandler extends StreamHandler {

    private final PrintStream out = System.out;

    public StdoutHandler() {
        if (LogManager.getLogManager().getProperty(getClass().getName() + ".level") == null) {
            setLevel(Level.ALL); // the loggers' levels decide (a StreamHandler's own default is INFO)
        }
        if (LogManager.getLogManager().getProperty(getClass().getName() + ".encoding") == null) {
            try {
                setEncoding("UTF-8");
            } catch (UnsupportedEncodingException e) {
                throw new IllegalStateException(e); // every JVM has UTF-8
            }
        }
        setOutputStream(out);
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        String encoding = getEncoding();
        byte[] line = formatted(this, record, encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding));
        if (line != null) {
            out.write(line, 0, line.length);
            out.flush();
        }
    }

    /** The record as the handler's formatter writes it, encoded; null, reported to the handler, if formatting fails. */
    static byte[] formatted(Handler handler, LogRecord record, Charset charset) {
        try {
            return handler.getFormatter().format(record).getBytes(charset);
        } catch (RuntimeException e) {
            handler.getErrorManager().error("Cannot format a log record", e, ErrorManager.FORMAT_FAILURE);
            return null;
        }
    }

    /** Flushes only: standard output stays open for the rest of the process. */
    @Override
    public synchronized void close() {
        flush();
    }
}
