package dev.caravan.api;

import dev.caravan.auth.Authenticator;
import dev.caravan.providers.OffEventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * The chat route's first step. Its route starts on the event loop that read the request (see
 * {@code ConfiguredPortHttpEngine}); the steps up to the provider call stay there when none of them can wait on I/O for
 * this request, and move to a worker thread otherwise.
 * <p>
 * Waiting on I/O means: authentication reading the key store (a key the cache does not know) or fetching an identity
 * provider's keys (a JWT whose key is not in the cached key set), and budgets held in DynamoDB. Parsing, the rate
 * limiter, the plan and budgets counted in memory do not. The embedded budgets read a budget window's counters from
 * H2 the first time that window is used, once per scope and period.
 */
public final class PreCallPlacement extends AsyncProcessorSupport {

    private final Authenticator authenticator;
    private final boolean budgetsInMemory;

    public PreCallPlacement(Authenticator authenticator, boolean budgetsInMemory) {
        this.authenticator = authenticator;
        this.budgetsInMemory = budgetsInMemory;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Context current = Vertx.currentContext();
        if (current == null || !Context.isOnEventLoopThread() || staysOnLoop(exchange)) {
            callback.done(true);
            return true;
        }
        OffEventLoop.continueOnWorker(current.owner(), callback);
        return false;
    }

    private boolean staysOnLoop(Exchange exchange) {
        return budgetsInMemory && authenticator.answersFromMemory(exchange);
    }
}
