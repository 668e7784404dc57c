package dev.caravan.api;

import dev.caravan.auth.AuthMode;
import dev.caravan.auth.Authenticator;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The chat route's first step: stays on the event loop only when no step before the call waits on I/O. */
class PreCallPlacementTest {

    private static final Authenticator OPEN = new Authenticator(new AuthMode(false, false, false), null, null,
            Clock.systemUTC());

    @Test
    void withBudgetsInMemoryAndNoAuthenticationTheStepsStayOnTheLoop() throws Exception {
        assertEquals("in place", onLoop(new PreCallPlacement(() -> OPEN, true)));
    }

    @Test
    void withBudgetsInDynamoDbTheyMoveToAWorker() throws Exception {
        assertEquals("moved", onLoop(new PreCallPlacement(() -> OPEN, false)));
    }

    /** "in place" if the route went on on the loop at once, "moved" if it went on on a worker. */
    private static String onLoop(PreCallPlacement placement) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Exchange exchange = new DefaultExchange(new DefaultCamelContext());
            CompletableFuture<String> went = new CompletableFuture<>();
            vertx.getOrCreateContext().runOnContext(go -> {
                boolean sync = placement.process(exchange, doneSync -> {
                    if (!doneSync && !Context.isOnEventLoopThread()) {
                        went.complete("moved");
                    }
                });
                if (sync && Context.isOnEventLoopThread()) {
                    went.complete("in place");
                }
            });
            return went.get(10, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
