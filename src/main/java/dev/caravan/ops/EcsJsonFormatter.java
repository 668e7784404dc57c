package dev.caravan.ops;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * A log line for log shippers: one JSON object per line in the Elastic Common Schema ({@code @timestamp} in UTC,
 * {@code log.level}, {@code message}, {@code process.thread.name}, {@code log.logger}, and {@code error.type},
 * {@code error.message}, {@code error.stack_trace} for a record with an exception).
 */
public final class EcsJsonFormatter extends Formatter {

    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public String format(LogRecord record) {
        StringWriter line = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(line)) {
            json.writeStartObject();
            json.writeStringField("@timestamp", DateTimeFormatter.ISO_INSTANT.format(record.getInstant()));
            json.writeStringField("ecs.version", "1.2.0");
            json.writeStringField("log.level", LogLevels.name(record.getLevel()));
            json.writeStringField("message", formatMessage(record));
            json.writeStringField("process.thread.name", Thread.currentThread().getName());
            json.writeStringField("log.logger", record.getLoggerName());
            Throwable thrown = record.getThrown();
            if (thrown != null) {
                StringWriter trace = new StringWriter();
                thrown.printStackTrace(new PrintWriter(trace));
                json.writeStringField("error.type", thrown.getClass().getName());
                json.writeStringField("error.message", thrown.getMessage());
                json.writeStringField("error.stack_trace", trace.toString());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return line.append('\n').toString();
    }
}
