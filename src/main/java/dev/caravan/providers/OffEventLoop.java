package dev.caravan.providers;

import dev.caravan.routing.CallContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

import java.util.Set;

/**
 * Moves an exchange that is running on a Vert.x event loop onto a worker thread before an attempt that may block, and
 * lets any other go on in place. The dispatch loop passes here before each attempt: a chat request can reach it on
 * the event loop (its steps before the call ran there, or an answer was read there by {@link EventLoopHttpCall}
 * and the route looped back to a retry or a fallback). What may block: a backoff before a retry, a provider whose
 * calls block (Bedrock's SDK, the mock's pauses). A call of a provider sent with {@link EventLoopHttpCall} (the
 * given providers' default accounts, and named accounts), single answer or stream, with no backoff, is sent from the
 * loop.
 */
public final class OffEventLoop extends AsyncProcessorSupport {

    private final Set<String> sentFromLoop;

    /** {@code sentFromLoop}: the providers whose default account's calls are sent with EventLoopHttpCall. */
    public OffEventLoop(Set<String> sentFromLoop) {
        this.sentFromLoop = Set.copyOf(sentFromLoop);
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Context current = Vertx.currentContext();
        if (current == null || !Context.isOnEventLoopThread()
                || sentFromLoop(exchange.getProperty(CallContext.PROPERTY, CallContext.class))) {
            callback.done(true);
            return true;
        }
        continueOnWorker(current.owner(), callback);
        return false;
    }

    private boolean sentFromLoop(CallContext call) {
        return call != null && call.backoffMillis() == 0
                && (call.account() != null || sentFromLoop.contains(call.provider()));
    }

    /** Lets the route go on from one of Vert.x's worker threads. */
    public static void continueOnWorker(Vertx vertx, AsyncCallback callback) {
        vertx.<Void>executeBlocking(moved -> {
            callback.done(false);
            moved.complete();
        }, false);
    }
}
