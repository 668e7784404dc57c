package dev.caravan.streaming;

import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.providers.StreamDecoder;
import org.apache.hc.core5.http.io.EofSensorInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An SSE answer from an HTTP provider, read off the socket as it arrives and decoded by the provider's decoder.
 * A stream cut short (client gone, failure, timeout) is aborted, not drained; a finished one is closed normally so
 * that its connection serves the next call.
 */
public final class SseUpstreamStream implements UpstreamStream {

    private final String provider;
    private final InputStream body;
    private final SseReader reader;
    private final StreamDecoder decoder;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private List<StreamEvent> peeked;

    /** {@code onClose} releases what the HTTP client still holds for this response; it runs once, after abort. */
    public SseUpstreamStream(String provider, InputStream body, StreamDecoder decoder, Runnable onClose) {
        this.provider = provider;
        this.body = body;
        this.reader = new SseReader(body);
        this.decoder = decoder;
        this.onClose = onClose;
    }

    /**
     * Reads ahead until the answer has really begun (text, a tool call or a finish), so that an error sent as the
     * first event, or an empty stream, still counts as a failed attempt that may fall back.
     */
    public void peek() {
        List<StreamEvent> events = new ArrayList<>();
        while (true) {
            List<StreamEvent> batch = next();
            if (batch == null) {
                close();
                throw GatewayException.upstreamUnavailable(provider, "the stream ended before any answer");
            }
            for (StreamEvent event : batch) {
                if (event instanceof StreamEvent.Failed failed) {
                    close();
                    throw failed.error();
                }
            }
            events.addAll(batch);
            if (batch.stream().anyMatch(e -> e instanceof StreamEvent.TextDelta
                    || e instanceof StreamEvent.ToolCallDelta || e instanceof StreamEvent.Finished)) {
                peeked = events;
                return;
            }
        }
    }

    @Override
    public List<StreamEvent> readAhead() {
        List<StreamEvent> first = peeked;
        peeked = null;
        return first == null ? List.of() : first;
    }

    @Override
    public List<StreamEvent> next() {
        List<StreamEvent> ahead = readAhead();
        if (!ahead.isEmpty()) {
            return ahead;
        }
        if (decoder.finished() || closed.get()) {
            return null;
        }
        try {
            SseEvent event = reader.next();
            if (event == null) {
                return null;
            }
            return decoder.decode(event);
        } catch (SocketTimeoutException e) {
            throw GatewayException.timeout(provider, "no stream event within the idle timeout");
        } catch (IOException e) {
            if (closed.get()) {
                return null;
            }
            throw GatewayException.upstreamUnavailable(provider, "the stream broke off: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public void abort() {
        if (closed.compareAndSet(false, true)) {
            abortBody();
        }
    }

    private void abortBody() {
        try {
            if (body instanceof EofSensorInputStream sensor) {
                sensor.abort();
            } else {
                body.close();
            }
        } catch (IOException e) {
            // the connection is gone either way
        }
    }

    /**
     * Ends the call and releases what the HTTP client holds for this response, once. A stream the provider finished
     * is closed normally: what is left is the body's terminating chunk, and reading it keeps the connection for
     * the next call (aborting it made every stream open a new connection, ~1.5 ms of its time to first token).
     * Anything else is aborted. The release may read, waiting for the socket's read lock: so it runs here, on the
     * relaying thread, never on the event loop (there it stalled every connection until the next upstream event).
     */
    @Override
    public void close() {
        if (decoder.finished() && closed.compareAndSet(false, true)) {
            try {
                body.close();
            } catch (IOException e) {
                abortBody();
            }
        } else {
            abort();
        }
        if (released.compareAndSet(false, true)) {
            onClose.run();
        }
    }
}
