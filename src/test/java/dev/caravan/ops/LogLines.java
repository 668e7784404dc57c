package dev.caravan.ops;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Every event of one logger (and its children), kept in memory: an appender added to the running log4j2. */
public final class LogLines extends AbstractAppender implements AutoCloseable {

    /** A captured event: level, logger name, formatted message (with its exception's message, if any), thread. */
    public record Line(String level, String logger, String message, String thread) {
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final String loggerName;
    private final LoggerContext context;
    private final boolean added;

    private LogLines(String loggerName) {
        super("capture-" + loggerName + "-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
        this.loggerName = loggerName;
        this.context = (LoggerContext) LogManager.getContext(false);
        start();
        Configuration config = context.getConfiguration();
        config.addAppender(this);
        LoggerConfig existing = config.getLoggers().get(loggerName);
        if (existing == null) {
            LoggerConfig own = new LoggerConfig(loggerName, null, true);
            own.addAppender(this, null, null);
            config.addLogger(loggerName, own);
            added = true;
        } else {
            existing.addAppender(this, null, null);
            added = false;
        }
        context.updateLoggers();
    }

    /** Starts capturing {@code loggerName}; close to stop. */
    public static LogLines capture(String loggerName) {
        return new LogLines(loggerName);
    }

    @Override
    public void append(LogEvent event) {
        String message = event.getMessage().getFormattedMessage();
        if (event.getThrown() != null) {
            message += " | " + event.getThrown();
        }
        lines.add(new Line(event.getLevel().name(), event.getLoggerName(), message, event.getThreadName()));
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
        Configuration config = context.getConfiguration();
        if (added) {
            config.removeLogger(loggerName);
        } else {
            LoggerConfig existing = config.getLoggers().get(loggerName);
            if (existing != null) {
                existing.removeAppender(getName());
            }
        }
        context.updateLoggers();
        stop();
    }
}
