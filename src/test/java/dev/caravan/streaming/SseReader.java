package dev.caravan.streaming;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Tests' way to read recorded streams event by event: an {@link SseParser} fed from an input stream, one read at a
 * time, as the gateway feeds it from the upstream's socket.
 */
public final class SseReader {

    private final InputStream in;
    private final byte[] buffer = new byte[8192];
    private final Deque<SseEvent> parsed = new ArrayDeque<>();
    private final SseParser parser = new SseParser(parsed::add);
    private boolean ended;

    public SseReader(InputStream in) {
        this.in = in;
    }

    /** The next event, or null at the end of the stream. */
    public SseEvent next() throws IOException {
        while (parsed.isEmpty() && !ended) {
            int read = in.read(buffer, 0, buffer.length);
            if (read <= 0) {
                ended = true;
                parser.end();
            } else {
                parser.feed(buffer, 0, read);
            }
        }
        return parsed.poll();
    }
}
