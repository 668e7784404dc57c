package dev.caravan.api;

import dev.caravan.auth.AuthMode;
import dev.caravan.auth.Authenticator;
import dev.caravan.auth.GuessLimiter;
import dev.caravan.support.EventLoopSteps;
import io.vertx.core.Vertx;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The chat route's first step: stays on the event loop only when no step before the call waits on I/O. */
class PreCallPlacementTest {

    private static final Authenticator OPEN = new Authenticator(new AuthMode(false, false, false), null, null,
            GuessLimiter.OFF, Clock.systemUTC());

    @Test
    void withBudgetsInMemoryAndNoAuthenticationTheStepsStayOnTheLoop() throws Exception {
        assertEquals(EventLoopSteps.IN_PLACE, onLoop(new PreCallPlacement(OPEN, true)));
    }

    @Test
    void withBudgetsInDynamoDbTheyMoveToAWorker() throws Exception {
        assertEquals(EventLoopSteps.MOVED, onLoop(new PreCallPlacement(OPEN, false)));
    }

    private static String onLoop(PreCallPlacement placement) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            return EventLoopSteps.wentOn(placement, new DefaultExchange(new DefaultCamelContext()), vertx);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
