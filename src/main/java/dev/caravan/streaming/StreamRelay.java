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

    public void relay(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        UpstreamStream upstream = call.stream();
        ClientChannel client = call.client();
        StreamRenderer renderer = renderer(call);
        client.onClose(upstream::abort);
        Map<String, String> headers = ResponseHeaders.of(call);
        headers.put("content-type", "text/event-stream; charset=utf-8");
        headers.put("cache-control", "no-cache");
        headers.put("x-accel-buffering", "no");
        client.begin(200, headers);
        Usage usage = null;
        String outcome = "partial";
        try {
            List<StreamEvent> events;
            while ((events = upstream.next()) != null && !client.closed()) {
                for (StreamEvent event : events) {
                    if (event instanceof StreamEvent.UsageReport report) {
                        usage = usage == null ? report.usage() : usage.merge(report.usage());
                    } else if (event instanceof StreamEvent.Failed failed) {
                        throw failed.error();
                    }
                    byte[] bytes = renderer.event(event);
                    if (bytes != null) {
                        call.firstToken();
                        client.write(bytes);
                    }
                }
            }
            if (!client.closed()) {
                outcome = "ok";
                client.write(renderer.end(usage == null ? Usage.NONE : usage, cost(call, usage)));
            }
        } catch (GatewayException e) {
            LOG.warn("Stream {} from {} failed after it began: {}", call.requestId(), call.current(), e.getMessage());
            outcome = "error";
            client.write(renderer.error(e));
        } finally {
            client.end();
            upstream.close();
            settle(call, usage, outcome);
        }
        exchange.getMessage().setBody(null);
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
