package dev.caravan.ops;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Every record of one logger (and its children), kept in memory: a handler added to its java.util.logging logger. */
public final class LogLines extends Handler implements AutoCloseable {

    /** A captured record: level (as SLF4J names it), logger name, formatted message (with its exception), thread. */
    public record Line(String level, String logger, String message, String thread) {
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final Logger logger; // held: java.util.logging keeps loggers only weakly

    private LogLines(String loggerName) {
        logger = Logger.getLogger(loggerName);
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    /** Starts capturing {@code loggerName}; close to stop. */
    public static LogLines capture(String loggerName) {
        return new LogLines(loggerName);
    }

    @Override
    public void publish(LogRecord record) {
        String message = new LineFormatter().formatMessage(record);
        if (record.getThrown() != null) {
            message += " | " + record.getThrown();
        }
        lines.add(new Line(LogLevels.name(record.getLevel()), record.getLoggerName(), message,
                Thread.currentThread().getName()));
    }

    @Override
    public void flush() {
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public List<Line> matching(Predicate<Line> test) {
        return lines.stream().filter(test).toList();
    }

    /** Waits up to {@code millis} for at least {@code count} lines matching {@code test}. */
    public List<Line> await(Predicate<Line> test, int count, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        List<Line> found = matching(test);
        while (found.size() < count && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            found = matching(test);
        }
        return found;
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
