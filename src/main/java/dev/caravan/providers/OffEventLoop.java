package dev.caravan.providers;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * Moves an exchange that is running on a Vert.x event loop onto a worker thread, and lets any other go on in place.
 * After a good answer read on the event loop ({@link EventLoopHttpCall}) a route may loop back to a retry or a
 * fallback, whose backoff waits and whose providers may block; the dispatch loop passes here before each attempt.
 */
public final class OffEventLoop extends AsyncProcessorSupport {

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Context current = Vertx.currentContext();
        if (current == null || !Context.isOnEventLoopThread()) {
            callback.done(true);
            return true;
        }
        continueOnWorker(current.owner(), callback);
        return false;
    }

    /** Lets the route go on from one of Vert.x's worker threads. */
    static void continueOnWorker(Vertx vertx, AsyncCallback callback) {
        vertx.<Void>executeBlocking(moved -> {
            callback.done(false);
            moved.complete();
        }, false);
    }
}
