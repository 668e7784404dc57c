package dev.caravan.routing;

import dev.caravan.api.ErrorResponder;
import dev.caravan.core.GatewayException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * Policy of the dispatch loop: which target the next attempt goes to, what a failed attempt means, and the
 * outcome once the chain is exhausted. The loop itself is in {@code routes/dispatch.yaml}.
 */
public final class FallbackChain {

    private static final Logger LOG = LoggerFactory.getLogger(FallbackChain.class);

    private final ModelRouter router;

    public FallbackChain(ModelRouter router) {
        this.router = router;
    }

    /** Resolves the requested model to its chain of targets (404 for unknown models). */
    public void plan(Exchange exchange) {
        CallContext call = call(exchange);
        call.chain(router.chain(call.request().model()));
    }

    /** Picks the target of the next attempt, or ends the loop with the last failure when none is left. */
    public void nextAttempt(Exchange exchange) {
        CallContext call = call(exchange);
        int next = call.chainIndex() + 1;
        if (next >= call.chain().size()) {
            call.giveUp(call.lastError() != null ? call.lastError()
                    : GatewayException.upstreamUnavailable("gateway", "no provider could serve the request"));
            return;
        }
        call.chainIndex(next);
        call.attempt(call.chain().get(next));
    }

    /** The circuit breaker's fallback: notes why the attempt failed; the loop goes on to the next target. */
    public void attemptFailed(Exchange exchange) {
        CallContext call = call(exchange);
        GatewayException error = classify(call.provider(), exchange.getProperty(Exchange.EXCEPTION_CAUGHT,
                Throwable.class));
        LOG.warn("Attempt {} of request {} on {} failed: {}", call.attempts(), call.requestId(), call.current(),
                error.getMessage());
        call.failed(error);
        if (!error.retryable()) {
            call.giveUp(error);
        }
    }

    /** After the loop: the answer is there, or the last failure goes back to the caller. */
    public void outcome(Exchange exchange) {
        CallContext call = call(exchange);
        if (call.response() == null && call.stream() == null) {
            throw call.lastError();
        }
    }

    static GatewayException classify(String provider, Throwable failure) {
        if (failure instanceof GatewayException gateway) {
            return gateway;
        }
        if (failure instanceof CallNotPermittedException) {
            return new GatewayException(503, "upstream_error", "circuit_open", null,
                    provider + ": temporarily unavailable (circuit open after repeated failures)", true, 0);
        }
        Throwable cause = failure;
        while (cause != null) {
            if (cause instanceof SocketTimeoutException) {
                return GatewayException.timeout(provider, "no answer within the timeout");
            }
            if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
                return GatewayException.upstreamUnavailable(provider, "cannot connect to the upstream");
            }
            if (cause instanceof GatewayException gateway) {
                return gateway;
            }
            cause = cause.getCause();
        }
        if (failure instanceof java.io.IOException) {
            return GatewayException.upstreamUnavailable(provider, "the connection failed: "
                    + failure.getClass().getSimpleName());
        }
        return ErrorResponder.asGatewayError(failure);
    }

    private static CallContext call(Exchange exchange) {
        return exchange.getProperty(CallContext.PROPERTY, CallContext.class);
    }
}
