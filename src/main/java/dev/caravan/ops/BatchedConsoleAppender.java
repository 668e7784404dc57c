package dev.caravan.ops;

import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Core;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.appender.AbstractOutputStreamAppender;
import org.apache.logging.log4j.core.appender.OutputStreamManager;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginAttribute;
import org.apache.logging.log4j.core.config.plugins.PluginElement;
import org.apache.logging.log4j.core.config.plugins.PluginFactory;
import org.apache.logging.log4j.core.layout.PatternLayout;

import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Standard output in batches, for the access log's one line per request: lines gather in a buffer and are written
 * when it is full or at the latest {@code flushMillis} after they were logged, one system call for many lines
 * instead of one per request on the event loop (log4j2's Console appender flushes every event). Only whole lines
 * are written, so they never interleave with other loggers' lines on the same output. The last lines are written when
 * the gateway's Camel context has stopped ({@link #flushAll}, after the last request's line) and when logging stops;
 * a process killed outright loses at most {@code flushMillis} of them (every request's cost record is in the ledger,
 * not here).
 */
@Plugin(name = "BatchedConsole", category = Core.CATEGORY_NAME, elementType = Appender.ELEMENT_TYPE, printObject = true)
public final class BatchedConsoleAppender extends AbstractOutputStreamAppender<OutputStreamManager> {

    private static final Set<BatchedConsoleAppender> STARTED = ConcurrentHashMap.newKeySet();

    private final long flushMillis;
    private ScheduledExecutorService flusher;

    BatchedConsoleAppender(String name, Layout<? extends Serializable> layout, Filter filter, OutputStream out,
                           int bufferSize, long flushMillis) {
        super(name, layout, filter, true, false, Property.EMPTY_ARRAY,
                new WholeLines(out, "batched-console-" + name, layout, bufferSize));
        this.flushMillis = flushMillis;
    }

    /** {@code <BatchedConsole name="..." bufferSize="8192" flushMillis="200">} with a layout, in log4j2's configuration. */
    @PluginFactory
    public static BatchedConsoleAppender create(
            @PluginAttribute("name") String name,
            @PluginElement("Layout") Layout<? extends Serializable> layout,
            @PluginElement("Filter") Filter filter,
            @PluginAttribute(value = "bufferSize", defaultInt = 8192) int bufferSize,
            @PluginAttribute(value = "flushMillis", defaultLong = 200) long flushMillis) {
        if (name == null) {
            LOGGER.error("A BatchedConsole appender needs a name");
            return null;
        }
        return new BatchedConsoleAppender(name, layout == null ? PatternLayout.createDefaultLayout() : layout, filter,
                System.out, Math.max(1024, bufferSize), Math.max(1, flushMillis));
    }

    @Override
    public void start() {
        flusher = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "log-flush-" + getName());
            thread.setDaemon(true);
            return thread;
        });
        flusher.scheduleWithFixedDelay(this::flush, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
        super.start();
        STARTED.add(this);
    }

    /**
     * Writes what every started appender holds. Called once the Camel context has stopped: at shutdown the JVM does
     * not wait for log4j2 to stop its appenders, and a line logged just before would otherwise be lost.
     */
    public static void flushAll() {
        STARTED.forEach(BatchedConsoleAppender::flush);
    }

    @Override
    public boolean stop(long timeout, TimeUnit timeUnit) {
        STARTED.remove(this);
        if (flusher != null) {
            flusher.shutdownNow();
        }
        flush();
        return super.stop(timeout, timeUnit);
    }

    private void flush() {
        try {
            getManager().flush();
        } catch (RuntimeException e) {
            LOGGER.error("Cannot write the log lines of appender {}", getName(), e); // and try again next time
        }
    }

    /** Writes only up to the last complete line; the rest waits in the buffer for its end. */
    static final class WholeLines extends OutputStreamManager {

        WholeLines(OutputStream out, String name, Layout<?> layout, int bufferSize) {
            super(out, name, layout, false, bufferSize);
        }

        @Override
        protected synchronized void flushBuffer(ByteBuffer buffer) {
            buffer.flip();
            int start = buffer.position();
            int end = buffer.limit();
            while (end > start && buffer.get(end - 1) != '\n') {
                end--;
            }
            if (end == start && buffer.limit() == buffer.capacity()) {
                end = buffer.limit(); // one line longer than the buffer: written in parts
            }
            try {
                if (end > start) {
                    writeToDestination(buffer.array(), buffer.arrayOffset() + start, end - start);
                }
            } finally {
                buffer.position(end);
                buffer.compact();
            }
        }

        @Override
        protected synchronized boolean closeOutputStream() {
            flush();
            return true; // standard output stays open for the rest of the process
        }
    }
}
