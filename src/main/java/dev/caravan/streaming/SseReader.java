package dev.caravan.streaming;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads Server-Sent Events from a byte stream as they arrive (no read-ahead beyond what the socket delivers).
 * Follows the WHATWG framing: lines end in LF, CR or CRLF; a blank line ends an event; comment lines start with ':'.
 */
public final class SseReader {

    private final InputStream in;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    private boolean lastWasCr;

    public SseReader(InputStream in) {
        this.in = in;
    }

    /** The next event, or null at the end of the stream. Blocks until a whole event has arrived. */
    public SseEvent next() throws IOException {
        String event = null;
        StringBuilder data = null;
        while (true) {
            String line = readLine();
            if (line == null) {
                return data == null ? null : new SseEvent(event, data.toString());
            }
            if (line.isEmpty()) {
                if (data != null) {
                    return new SseEvent(event, data.toString());
                }
                event = null;
                continue;
            }
            if (line.charAt(0) == ':') {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if ("data".equals(field)) {
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            } else if ("event".equals(field)) {
                event = value;
            }
        }
    }

    private String readLine() throws IOException {
        java.io.ByteArrayOutputStream line = null;
        while (true) {
            if (position == limit) {
                limit = in.read(buffer, 0, buffer.length);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    return line == null ? null : line.toString(StandardCharsets.UTF_8);
                }
            }
            byte b = buffer[position++];
            if (b == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = b == '\r';
            if (b == '\n' || b == '\r') {
                return line == null ? "" : line.toString(StandardCharsets.UTF_8);
            }
            if (line == null) {
                line = new java.io.ByteArrayOutputStream(128);
            }
            line.write(b);
        }
    }
}
