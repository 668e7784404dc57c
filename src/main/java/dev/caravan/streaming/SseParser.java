package dev.caravan.streaming;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Parses Server-Sent Events from bytes as they arrive, in pieces of any size: each event goes to the consumer the
 * moment its blank line is here. Follows the WHATWG framing: lines end in LF, CR or CRLF (a CRLF may be split
 * between two pieces); a blank line ends an event; comment lines start with ':'; fields other than {@code event}
 * and {@code data} are skipped. Not thread-safe: one connection's bytes, in order.
 * <p>
 * An event may hold at most {@link #MAX_EVENT_BYTES}: an upstream that sends a longer line or event (a broken or
 * hostile one; providers' events are a few hundred bytes, a few KiB with tool arguments) gets
 * {@link EventTooLarge} instead of the gateway's memory.
 */
public final class SseParser {

    /** The most bytes of one event (its lines together) that the parser holds. */
    public static final int MAX_EVENT_BYTES = 4 * 1024 * 1024;

    /** An event longer than {@link #MAX_EVENT_BYTES}; what was fed is not parsed further. */
    public static final class EventTooLarge extends IllegalStateException {
        EventTooLarge() {
            super("a stream event longer than " + MAX_EVENT_BYTES + " bytes");
        }
    }

    private final Consumer<SseEvent> events;
    private int eventBytes;
    private byte[] line = new byte[256];
    private int length;
    private boolean lastWasCr;
    private String event;
    private StringBuilder data;

    public SseParser(Consumer<SseEvent> events) {
        this.events = events;
    }

    /** Takes the next bytes of the stream. */
    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    public void feed(byte[] bytes, int offset, int count) {
        for (int i = offset; i < offset + count; i++) {
            byte b = bytes[i];
            if (b == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = b == '\r';
            if (b == '\n' || b == '\r') {
                lineEnded();
            } else {
                if (++eventBytes > MAX_EVENT_BYTES) {
                    throw new EventTooLarge();
                }
                if (length == line.length) {
                    line = Arrays.copyOf(line, length * 2);
                }
                line[length++] = b;
            }
        }
    }

    /** The stream has ended: an event whose blank line never came is still delivered. */
    public void end() {
        if (length > 0) {
            field(new String(line, 0, length, StandardCharsets.UTF_8));
            length = 0;
        }
        if (data != null) {
            dispatch();
        }
    }

    private void lineEnded() {
        if (length == 0) {
            eventBytes = 0;
            if (data != null) {
                dispatch();
            } else {
                event = null;
            }
            return;
        }
        String text = new String(line, 0, length, StandardCharsets.UTF_8);
        length = 0;
        field(text);
    }

    private void field(String text) {
        if (text.charAt(0) == ':') {
            return;
        }
        int colon = text.indexOf(':');
        String name = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if ("data".equals(name)) {
            if (data == null) {
                data = new StringBuilder(value);
            } else {
                data.append('\n').append(value);
            }
        } else if ("event".equals(name)) {
            event = value;
        }
    }

    private void dispatch() {
        SseEvent ready = new SseEvent(event, data.toString());
        event = null;
        data = null;
        events.accept(ready);
    }
}
