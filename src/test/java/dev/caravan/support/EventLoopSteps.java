package dev.caravan.support;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Exchange;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a route step that chooses its thread (stay on the event loop, or move to a worker) and says what it chose. */
public final class EventLoopSteps {

    public static final String IN_PLACE = "in place";
    public static final String MOVED = "moved";

    private EventLoopSteps() {
    }

    /** Runs {@code step} on an event loop of {@code vertx}: {@link #IN_PLACE} or {@link #MOVED} (to a worker). */
    public static String wentOn(AsyncProcessor step, Exchange exchange, Vertx vertx) throws Exception {
        CompletableFuture<String> went = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(go -> {
            boolean sync = step.process(exchange, doneSync -> {
                if (!doneSync && !Context.isOnEventLoopThread()) {
                    went.complete(MOVED);
                }
            });
            if (sync) {
                went.complete(Context.isOnEventLoopThread() ? IN_PLACE : "in place, off the loop");
            }
        });
        return went.get(10, TimeUnit.SECONDS);
    }
}
