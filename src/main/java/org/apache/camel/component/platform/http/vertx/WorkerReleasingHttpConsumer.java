package org.apache.camel.component.platform.http.vertx;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;

import java.util.List;

/**
 * platform-http's consumer, except that the route runs asynchronously. Routes that move themselves off the event
 * loop before anything that may block (the chat routes) start on the loop that read the request; all others start
 * on a worker thread. On a worker, when the route waits on an asynchronous step (a provider call made by Vert.x's
 * client on the event loop), the worker goes back to its pool instead of waiting, and the answer is written once
 * the route completes. A route with no asynchronous step runs and answers exactly as with the stock consumer: on a
 * worker thread, the answer written from the event loop.
 * <p>
 * In Camel's package because the answer is written by platform-http's own writer
 * ({@code VertxPlatformHttpSupport.writeResponse}, package-private), so that headers, status codes, streamed bodies
 * and errors are written as everywhere else. No Caravan route takes form posts or runs as an HTTP proxy, so the
 * stock consumer's form and proxy handling is not repeated here.
 */
public final class WorkerReleasingHttpConsumer extends VertxPlatformHttpConsumer {

    private final boolean startOnEventLoop;

    /**
     * {@code startOnEventLoop}: the route starts on the event loop that read the request (it moves itself to a worker
     * before any step that may block); otherwise on a worker thread.
     */
    public WorkerReleasingHttpConsumer(PlatformHttpEndpoint endpoint, Processor processor,
                                       List<Handler<RoutingContext>> handlers, String routerName,
                                       boolean startOnEventLoop) {
        super(endpoint, processor, handlers, routerName);
        this.startOnEventLoop = startOnEventLoop;
    }

    @Override
    protected void handleRequest(RoutingContext ctx) {
        if (isSuspended()) {
            ctx.response().setStatusCode(503);
            ctx.end();
            return;
        }
        Vertx vertx = ctx.vertx();
        Exchange exchange = createExchange(false);
        exchange.setPattern(ExchangePattern.InOut);
        processHttpRequest(exchange, ctx).onComplete(read -> {
            if (read.failed()) {
                fail(exchange, ctx, read.cause());
                return;
            }
            if (startOnEventLoop) {
                routeOnEventLoop(exchange, ctx);
                return;
            }
            vertx.<Void>executeBlocking(routed -> {
                try {
                    createUoW(exchange);
                } catch (Exception e) {
                    routed.fail(e);
                    return;
                }
                getAsyncProcessor().process(exchange, doneSync -> routed.complete());
            }, false).onComplete(routed -> {
                if (routed.failed()) {
                    fail(exchange, ctx, routed.cause());
                    return;
                }
                write(exchange, ctx);
            });
        });
    }

    /** Runs the route here, on the event loop; the answer is written from this loop whichever thread ends the route. */
    private void routeOnEventLoop(Exchange exchange, RoutingContext ctx) {
        Context loop = Vertx.currentContext();
        Thread loopThread = Thread.currentThread();
        try {
            createUoW(exchange);
        } catch (Exception e) {
            fail(exchange, ctx, e);
            return;
        }
        getAsyncProcessor().process(exchange, doneSync -> {
            if (Thread.currentThread() == loopThread) {
                write(exchange, ctx);
            } else {
                loop.runOnContext(ignored -> write(exchange, ctx));
            }
        });
    }

    private void write(Exchange exchange, RoutingContext ctx) {
        VertxPlatformHttpSupport.writeResponse(ctx, exchange, getEndpoint().getHeaderFilterStrategy(),
                getEndpoint().isMuteException()).onComplete(written -> {
                    if (written.succeeded()) {
                        complete(exchange);
                    } else {
                        fail(exchange, ctx, written.cause());
                    }
                });
    }

    private void complete(Exchange exchange) {
        doneUoW(exchange);
        releaseExchange(exchange, false);
    }

    private void fail(Exchange exchange, RoutingContext ctx, Throwable failure) {
        getExceptionHandler().handleException("Failed handling platform-http endpoint " + getEndpoint().getPath(),
                failure);
        ctx.fail(failure);
        if (getEndpoint().isHandleWriteResponseError() && failure != null) {
            Exception existing = exchange.getException();
            if (existing != null) {
                failure.addSuppressed(existing);
            }
            exchange.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
            exchange.setException(failure);
        }
        complete(exchange);
    }
}
