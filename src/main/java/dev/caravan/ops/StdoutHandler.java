package dev.caravan.ops;

import java.io.UnsupportedEncodingException;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.StreamHandler;

/**
 * Standard output, a record at a time, flushed after each: the gateway's own logs (java.util.logging's
 * ConsoleHandler writes to standard error). Set up from the logging configuration like any JDK handler
 * ({@code dev.caravan.ops.StdoutHandler.level}, {@code .formatter}, {@code .encoding}, UTF-8 unless given).
 */
public class StdoutHandler extends StreamHandler {

    public StdoutHandler() {
        if (LogManager.getLogManager().getProperty(getClass().getName() + ".encoding") == null) {
            try {
                setEncoding("UTF-8");
            } catch (UnsupportedEncodingException e) {
                throw new IllegalStateException(e); // every JVM has UTF-8
            }
        }
        setOutputStream(System.out);
    }

    @Override
    public synchronized void publish(LogRecord record) {
        super.publish(record);
        flush();
    }

    /** Flushes only: standard output stays open for the rest of the process. */
    @Override
    public synchronized void close() {
        flush();
    }
}
