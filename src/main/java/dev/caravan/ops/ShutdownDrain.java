package dev.caravan.ops;

import dev.caravan.routing.CallContext;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.spi.InflightRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The end of graceful shutdown for streams that outlast it. Camel waits {@code camel.main.shutdown-timeout} for
 * in-flight exchanges, then stops every route at once: a stream still open then would be cut with its route gone, so
 * its usage never reached the cost route and its record was lost. Shortly before that bound this drain cuts the
 * streams still open itself, as a client leaving would (the connection is reset, so the caller sees an incomplete
 * answer, never a clean end): the relay stops the upstream and settles what was streamed, and the request's cost
 * record is written while the routes still run.
 */
final class ShutdownDrain {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownDrain.class);
    /** How long before the bound the open streams are cut: time for their records to be written. */
    static final long MARGIN_MILLIS = 2_000;

    private ShutdownDrain() {
    }

    /**
     * Called when the context begins to stop: cuts the streams still open shortly before the shutdown bound. Answers
     * the waiting thread, to be interrupted once the context stopped.
     */
    static Thread begin(CamelContext context) {
        long bound = context.getShutdownStrategy().getTimeUnit().toMillis(context.getShutdownStrategy().getTimeout());
        long cutAfter = Math.max(bound / 2, bound - MARGIN_MILLIS);
        Thread drain = new Thread(() -> {
            try {
                Thread.sleep(cutAfter);
            } catch (InterruptedException e) {
                return;
            }
            cutOpenStreams(context.getInflightRepository());
        }, "caravan-shutdown-drain");
        drain.setDaemon(true);
        drain.start();
        return drain;
    }

    static int cutOpenStreams(InflightRepository inflight) {
        int cut = 0;
        for (InflightRepository.InflightExchange open : inflight.browse()) {
            Exchange exchange = open.getExchange();
            CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
            if (call == null || call.client() == null || !call.client().started() || call.client().closed()) {
                continue;
            }
            LOG.warn("Shutting down: stream {} still open after {} s, cut so that its cost is recorded",
                    call.requestId(), TimeUnit.MILLISECONDS.toSeconds(System.currentTimeMillis() - call.startEpochMillis()));
            call.client().abort();
            cut++;
        }
        return cut;
    }
}
