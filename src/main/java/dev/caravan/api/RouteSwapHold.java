package dev.caravan.api;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds HTTP requests that arrive while routes are being swapped (between the old route's HTTP consumer leaving and
 * the new one arriving, a few milliseconds), then lets them on to the new routes, so that they are served instead of
 * answered 404 or 503. A request is held at most {@link #MAX_HOLD_MILLIS}.
 */
public final class RouteSwapHold {

    static final long MAX_HOLD_MILLIS = 5_000;
    private static final String ADMITTED_IN = "caravan.swap.admitted-in";
    private static final String RETRIED = "caravan.swap.retried";

    private final List<Runnable> held = new ArrayList<>();
    /** Written under the lock, read without it by every request (see {@link #admit}). */
    private volatile boolean closed;
    /** Counts the swaps: a request that found no route while one began is routed again after it. */
    private volatile long swaps;

    /** From now on requests wait at the edge. */
    public synchronized void close() {
        closed = true;
        swaps++;
    }

    /** Lets the held requests and all new ones through. */
    public void open() {
        List<Runnable> release;
        synchronized (this) {
            closed = false;
            release = new ArrayList<>(held);
            held.clear();
        }
        release.forEach(Runnable::run);
    }

    /** True while routes are being swapped (for the direct: endpoints, whose consumers are away meanwhile). */
    public boolean swapping() {
        return closed;
    }

    /**
     * Passes the request on to the routes now, or once the swap in progress is over; then it is routed afresh (the
     * router's view of its routes is the one it had when the request arrived).
     */
    void admit(RoutingContext ctx) {
        // Every request passes here: no lock unless a swap is in progress. The count is read before the flag, and
        // close() raises the count before the flag, so a swap that begins in between is seen by routeAgain.
        long seen = swaps;
        if (!closed) {
            ctx.put(ADMITTED_IN, seen);
            ctx.next();
            return;
        }
        synchronized (this) {
            ctx.put(ADMITTED_IN, swaps);
            if (closed && hold(ctx, () -> ctx.reroute(ctx.request().method(), ctx.request().uri()))) {
                return;
            }
        }
        ctx.next();
    }

    /**
     * For a request that matched no route: true if a swap began since it was admitted (its route was being
     * replaced), in which case it is routed again once the swap is over.
     */
    boolean routeAgain(RoutingContext ctx) {
        Long admittedIn = ctx.get(ADMITTED_IN);
        if (admittedIn == null || ctx.get(RETRIED) != null) {
            return false;
        }
        Runnable reroute = () -> ctx.reroute(ctx.request().method(), ctx.request().uri());
        synchronized (this) {
            if (admittedIn == swaps && !closed) {
                return false;
            }
            ctx.put(RETRIED, true);
            if (closed && hold(ctx, reroute)) {
                return true;
            }
        }
        reroute.run();
        return true;
    }

    private boolean hold(RoutingContext ctx, Runnable then) {
        Context context = Vertx.currentContext();
        if (context == null) {
            return false;
        }
        // Paused until the route's body handler reads it; its bytes are kept meanwhile.
        ctx.request().pause();
        Runnable next = () -> context.runOnContext(v -> then.run());
        held.add(next);
        ctx.vertx().setTimer(MAX_HOLD_MILLIS, id -> {
            if (release(next)) {
                next.run();
            }
        });
        return true;
    }

    private synchronized boolean release(Runnable next) {
        return held.remove(next);
    }
}
