package dev.caravan.ops;

import dev.caravan.api.RouteSwapHold;
import org.apache.camel.component.direct.DirectComponent;
import org.apache.camel.component.direct.DirectConsumer;

/**
 * The direct: component, whose callers wait for a missing consumer only while one can be on its way: while routes are
 * swapped ({@link RouteSwap}: a route's consumer leaves, then its new version's arrives) and while Camel starts or
 * stops. Otherwise a call to an endpoint without a consumer fails at once, instead of holding its thread (an event
 * loop, for the HTTP routes, and with it every connection on that loop) for the whole timeout first.
 */
public final class SwapWaitingDirectComponent extends DirectComponent {

    private final RouteSwapHold swaps;

    public SwapWaitingDirectComponent(RouteSwapHold swaps) {
        this.swaps = swaps;
    }

    @Override
    protected DirectConsumer getConsumer(String key, boolean block, long timeout) throws InterruptedException {
        DirectConsumer consumer = super.getConsumer(key, false, 0);
        if (consumer != null || !block) {
            return consumer;
        }
        if (swaps.swapping() || !getCamelContext().isStarted()) {
            return super.getConsumer(key, true, timeout);
        }
        // A swap that began before the first look may have ended since: its new consumer is in place then.
        return super.getConsumer(key, false, 0);
    }
}
