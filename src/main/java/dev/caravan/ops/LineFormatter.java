package dev.caravan.ops;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * A log line for people: {@code 2026-11-27T12:40:24,066 INFO  [main] AbstractCamelContext - message}, local time,
 * the logging thread's name and the logger's last name, then the stack trace of the record's exception, if any.
 * Handlers format on the thread that logs, so the thread is the current one.
 */
public final class LineFormatter extends Formatter {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss,SSS").withZone(ZoneId.systemDefault());

    @Override
    public String format(LogRecord record) {
        String logger = record.getLoggerName() == null ? "" : record.getLoggerName();
        String level = LogLevels.name(record.getLevel());
        String message = formatMessage(record);
        // sized for the whole line (an access line is ~300 characters), so that it is not copied as it grows
        StringBuilder line = new StringBuilder(64 + logger.length() + message.length());
        TIME.formatTo(record.getInstant(), line);
        line.append(' ').append(level);
        for (int i = level.length(); i < 5; i++) {
            line.append(' ');
        }
        line.append(" [").append(Thread.currentThread().getName()).append("] ")
                .append(logger, logger.lastIndexOf('.') + 1, logger.length())
                .append(" - ").append(message).append('\n');
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append(trace);
        }
        return line.toString();
    }
}
