package dev.caravan.streaming;

/** One Server-Sent Event as read off the wire: its {@code event:} name (null when absent) and joined {@code data:}. */
public record SseEvent(String event, String data) {
}
