package dev.caravan.streaming;

import java.util.Map;

/** The caller's open HTTP connection, for answers written event by event. */
public interface ClientChannel {

    /** Sends the status line and headers; the body follows chunked. */
    void begin(int status, Map<String, String> headers);

    /**
     * Sends bytes at once (flushed). Off the event loop it blocks while the client is slow to read; on the loop it
     * never blocks, and the writer is to wait for {@link #writable} ({@link #whenWritable}) before it goes on.
     * Ignored once the client is gone.
     */
    void write(byte[] bytes);

    /** False while the client is slow to read what was written (its write queue is full). */
    default boolean writable() {
        return true;
    }

    /** Runs {@code action} once the client has caught up (at once if it has). */
    default void whenWritable(Runnable action) {
        action.run();
    }

    /** Ends the answer. */
    void end();

    /** True once {@link #begin} has sent the head: from then on the answer can only go on or end. */
    boolean started();

    /** True once the client has gone away. */
    boolean closed();

    /**
     * Cuts the answer from this side: the connection is reset (the caller sees an incomplete answer, never a clean
     * end) and the {@link #onClose} action runs as if the client had gone away. Ignored once the client is gone.
     */
    void abort();

    /** Runs {@code action} when the client goes away before the answer ended. */
    void onClose(Runnable action);
}
