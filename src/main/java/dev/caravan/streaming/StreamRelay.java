package dev.caravan.streaming;

import dev.caravan.api.OpenAiChunkRenderer;
import dev.caravan.api.ResponseHeaders;
import dev.caravan.api.SimpleChunkRenderer;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.Usage;
import dev.caravan.pricing.Price;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.ModelRouter;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Relays a provider's stream to the caller event by event, straight onto the connection: each event is written
 * the moment it is decoded. A failure after the first byte ends the stream with an error event; a client that
 * goes away stops the upstream. Either way the usage streamed so far is settled for the cost record.
 */
public final class StreamRelay {

    private static final Logger LOG = LoggerFactory.getLogger(StreamRelay.class);

    private final ModelRouter router;

    public StreamRelay(ModelRouter router) {
        this.router = router;
    }

    /**
     * Opens the caller's stream the moment the answer is committed ({@link CallContext#streaming}, inside the
     * provider's call): the response head and the events the provider call read ahead go out at once, instead of
     * after the route has unwound to the relay step. Never throws: a failure among those events waits for
     * {@link #relay}.
     */
    public void open(CallContext call) {
        if (call.relayProgress() != null) {
            return;
        }
        UpstreamStream upstream = call.stream();
        ClientChannel client = call.client();
        RelayProgress progress = new RelayProgress(renderer(call));
        call.relayProgress(progress);
        try {
            client.onClose(upstream::abort);
            Map<String, String> headers = ResponseHeaders.of(call);
            headers.put("content-type", "text/event-stream; charset=utf-8");
            headers.put("cache-control", "no-cache");
            headers.put("x-accel-buffering", "no");
            client.begin(200, headers);
            deliver(call, client, progress, upstream.readAhead());
        } catch (RuntimeException e) {
            progress.failure = e;
        }
    }

    public void relay(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        UpstreamStream upstream = call.stream();
        ClientChannel client = call.client();
        open(call);
        RelayProgress progress = call.relayProgress();
        String outcome = "partial";
        try {
            if (progress.failure != null) {
                throw progress.failure;
            }
            List<StreamEvent> events;
            while ((events = upstream.next()) != null && !client.closed()) {
                deliver(call, client, progress, events);
            }
            if (!client.closed()) {
                outcome = "ok";
                client.write(progress.renderer.end(progress.usage == null ? Usage.NONE : progress.usage,
                        cost(call, progress.usage)));
            }
        } catch (GatewayException e) {
            LOG.warn("Stream {} from {} failed after it began: {}", call.requestId(), call.current(), e.getMessage());
            outcome = "error";
            client.write(progress.renderer.error(e));
        } finally {
            client.end();
            upstream.close();
            settle(call, progress.usage, outcome);
        }
        exchange.getMessage().setBody(null);
    }

    private static void deliver(CallContext call, ClientChannel client, RelayProgress progress, List<StreamEvent> events) {
        for (StreamEvent event : events) {
            if (event instanceof StreamEvent.UsageReport report) {
                progress.usage = progress.usage == null ? report.usage() : progress.usage.merge(report.usage());
            } else if (event instanceof StreamEvent.Failed failed) {
                throw failed.error();
            }
            byte[] bytes = progress.renderer.event(event);
            if (bytes != null) {
                call.firstToken();
                client.write(bytes);
            }
        }
    }

    private void settle(CallContext call, Usage usage, String outcome) {
        if (usage == null) {
            LOG.warn("Stream {} from {} ended without usage; recorded as unreported, not as free",
                    call.requestId(), call.current());
        }
        call.settled(usage == null ? Usage.NONE : usage, cost(call, usage), outcome, usage != null);
    }

    private BigDecimal cost(CallContext call, Usage usage) {
        Price price = router.price(call.current());
        return price == null || usage == null ? null : price.cost(usage);
    }

    private static StreamRenderer renderer(CallContext call) {
        if ("simple".equals(call.api())) {
            return new SimpleChunkRenderer(call.requestId());
        }
        return new OpenAiChunkRenderer("chatcmpl-" + call.requestId(), call.servedModel(),
                call.request().includeUsage());
    }
}
