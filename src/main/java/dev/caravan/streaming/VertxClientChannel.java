package dev.caravan.streaming;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link ClientChannel} over Vert.x's response: each write goes to the socket at once (no 4 KiB pump buffer),
 * with back-pressure from Vert.x's write queue so a slow client cannot make the gateway buffer without bound: a
 * writer on a worker thread waits for the queue to drain; one on the event loop (a pushed stream) pauses its
 * upstream instead ({@link #writable}, {@link #whenWritable}).
 */
public final class VertxClientChannel implements ClientChannel {

    private static final long DRAIN_WAIT_MS = TimeUnit.SECONDS.toMillis(30);

    private final HttpServerResponse response;
    private final long drainWaitMs;
    private final AtomicBoolean gone = new AtomicBoolean();
    private volatile Runnable onClose = () -> { };

    public VertxClientChannel(HttpServerResponse response) {
        this(response, DRAIN_WAIT_MS);
    }

    /** {@code drainWaitMs}: how long a caller who stopped reading is waited for before it is cut. */
    VertxClientChannel(HttpServerResponse response, long drainWaitMs) {
        this.response = response;
        this.drainWaitMs = drainWaitMs;
        response.closeHandler(v -> clientGone());
        response.exceptionHandler(e -> clientGone());
    }

    private void clientGone() {
        if (!response.ended() && gone.compareAndSet(false, true)) {
            onClose.run();
        }
    }

    @Override
    public void begin(int status, Map<String, String> headers) {
        response.setStatusCode(status);
        response.setChunked(true);
        headers.forEach(response::putHeader);
    }

    @Override
    public void write(byte[] bytes) {
        if (gone.get()) {
            return;
        }
        if (response.writeQueueFull() && !Context.isOnEventLoopThread()) {
            CountDownLatch drained = new CountDownLatch(1);
            response.drainHandler(v -> drained.countDown());
            try {
                if (response.writeQueueFull() && !drained.await(drainWaitMs, TimeUnit.MILLISECONDS)) {
                    gone.set(true);
                    response.reset();
                    onClose.run();
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        response.write(Buffer.buffer(bytes));
    }

    @Override
    public boolean writable() {
        return gone.get() || !response.writeQueueFull();
    }

    /**
     * Runs {@code action} once the client has caught up; a client that has not within the drain wait (30 s, as long
     * as a writer on a worker waits) is cut ({@link #abort}), so a caller that stops reading cannot hold a stream
     * open for ever.
     */
    @Override
    public void whenWritable(Runnable action) {
        Context loop = Vertx.currentContext();
        if (writable()) {
            action.run();
        } else if (loop == null) {
            response.drainHandler(v -> action.run());
        } else {
            long cut = loop.owner().setTimer(drainWaitMs, late -> {
                if (!writable()) {
                    abort();
                }
            });
            response.drainHandler(v -> {
                loop.owner().cancelTimer(cut);
                action.run();
            });
        }
    }

    @Override
    public void end() {
        if (!response.ended()) {
            try {
                response.end();
            } catch (IllegalStateException e) {
                // the connection is already closed; nothing is left to end
            }
        }
    }

    @Override
    public void abort() {
        // A reset from this side does not fire the response's close handler: mark the client gone here.
        if (gone.compareAndSet(false, true)) {
            response.reset();
            onClose.run();
        }
    }

    @Override
    public boolean started() {
        return response.headWritten() || response.ended();
    }

    @Override
    public boolean closed() {
        return gone.get();
    }

    @Override
    public void onClose(Runnable action) {
        this.onClose = action;
        if (gone.get()) {
            action.run();
        }
    }
}
