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
import dev.caravan.providers.OffEventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Relays a provider's stream to the caller event by event, straight onto the connection: each event is written
 * the moment it is decoded. A failure after the first byte ends the stream with an error event; a client that
 * goes away stops the upstream, and so does an answer the gateway cut itself ({@link StreamEvent.Cut}), whose
 * caller's stream ends at once, as if the provider had finished. Either way the usage streamed so far is settled for
 * the cost record.
 * <p>
 * The chat route's relay step. A stream that pushes its events (an HTTP provider's, read on the event loop) is
 * relayed from that loop as the events come, from the moment the answer is committed; the step only waits, without a
 * thread, for the stream to end, and the route goes on from the loop when nothing after it can block (budgets
 * counted in memory), else from a worker. A stream the relay pulls (Bedrock, the mock) is read here, on the worker
 * the attempt ran on.
 */
public final class StreamRelay extends AsyncProcessorSupport {

    private static final Logger LOG = LoggerFactory.getLogger(StreamRelay.class);

    private final ModelRouter router;
    private final boolean tailOnLoop;

    /** {@code tailOnLoop}: whether the steps after the relay never block. */
    public StreamRelay(ModelRouter router, boolean tailOnLoop) {
        this.router = router;
        this.tailOnLoop = tailOnLoop;
    }

    /**
     * Opens the caller's stream the moment the answer is committed ({@link CallContext#streaming}, inside the
     * provider's call): the response head and the events the provider call read ahead go out at once, instead of
     * after the route has unwound to the relay step; a stream that pushes its events is relayed from here on. Never
     * throws: a failure among those events waits for the relay step.
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
            progress.pushed = upstream.push(new Sink(call, progress));
            if (!progress.pushed) {
                deliver(call, client, progress, upstream.readAhead());
            }
        } catch (RuntimeException e) {
            progress.failure = e;
        }
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        exchange.getMessage().setBody(null);
        open(call);
        RelayProgress progress = call.relayProgress();
        if (progress.pushed && progress.failure == null) {
            if (progress.done.isDone()) {
                callback.done(true);
                return true;
            }
            progress.done.whenComplete((ended, failure) -> goOn(callback));
            return false;
        }
        relayPulled(call, progress);
        callback.done(true);
        return true;
    }

    /** The route goes on after a pushed stream ended: on its loop when the steps after never block. */
    private void goOn(AsyncCallback callback) {
        Context current = Vertx.currentContext();
        if (current != null && Context.isOnEventLoopThread() && !tailOnLoop) {
            OffEventLoop.continueOnWorker(current.owner(), callback);
        } else {
            callback.done(false);
        }
    }

    private void relayPulled(CallContext call, RelayProgress progress) {
        UpstreamStream upstream = call.stream();
        ClientChannel client = call.client();
        GatewayException failure = null;
        try {
            if (progress.failure != null) {
                throw progress.failure;
            }
            List<StreamEvent> events;
            while (!progress.cut && (events = upstream.next()) != null && !client.closed()) {
                deliver(call, client, progress, events);
            }
        } catch (GatewayException e) {
            failure = e;
        } finally {
            finish(call, progress, failure);
        }
    }

    /** Ends the caller's answer (with the closing events, or an error event) and settles what was streamed. */
    private void finish(CallContext call, RelayProgress progress, GatewayException failure) {
        if (progress.ended) {
            return; // a cut's end closes the upstream, which then tells the sink it ended too
        }
        progress.ended = true;
        ClientChannel client = call.client();
        String outcome = failure != null ? (failure.cutShort() ? "partial" : "error")
                : client.closed() ? "partial" : "ok";
        Usage usage = progress.usage;
        BigDecimal cost = null;
        try {
            usage = usage(call, progress, outcome);
            cost = cost(call, usage);
            if (failure != null) {
                LOG.warn("Stream {} from {} failed after it began: {}", call.requestId(), call.current(),
                        failure.getMessage());
                client.write(progress.renderer.error(failure));
            } else if ("ok".equals(outcome)) {
                client.write(progress.renderer.end(usage == null ? Usage.NONE : usage, cost));
            }
        } finally {
            client.end();
            call.stream().close();
            call.settled(usage == null ? Usage.NONE : usage, cost, outcome, reported(progress, outcome));
            progress.done.complete(null);
        }
    }

    /** Where a pushed stream's events go, on its event loop. */
    private final class Sink implements StreamSink {

        private final CallContext call;
        private final RelayProgress progress;

        Sink(CallContext call, RelayProgress progress) {
            this.call = call;
            this.progress = progress;
        }

        @Override
        public void events(List<StreamEvent> events) {
            deliver(call, call.client(), progress, events);
            if (progress.cut) {
                finish(call, progress, null);
            }
        }

        @Override
        public boolean ready() {
            return call.client().writable();
        }

        @Override
        public void whenReady(Runnable action) {
            call.client().whenWritable(action);
        }

        @Override
        public void ended() {
            finish(call, progress, null);
        }

        @Override
        public void failed(GatewayException error) {
            finish(call, progress, error);
        }
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
            } else if (event instanceof StreamEvent.Cut) {
                progress.cut = true;
                return;
            }
        }
    }

    /**
     * Only a stream that ended as the provider said (outcome ok, not {@code cut} by the gateway) has the whole call's
     * usage. One cut short may have part of it: Anthropic reports the prompt's tokens as the stream begins and the
     * answer's at its end; a cut adds the output its text is estimated at. Its usage so far stays on the record, its
     * budgets are settled at an estimate from the time it took (BudgetGate), and the ledger logs it as unreported.
     */
    private static boolean reported(RelayProgress progress, String outcome) {
        return progress.usage != null && "ok".equals(outcome) && !progress.cut;
    }

    /**
     * What the stream used as its usage chunk and cost record say it: the provider's count, and for a stream without
     * its whole usage whose provider had not yet counted the prompt (OpenAI and Bedrock count it last), the gateway's
     * estimate of it, the one its budget hold made ({@link UpstreamStream#estimatedPromptTokens}): not 0, as if it were
     * free.
     */
    private static Usage usage(CallContext call, RelayProgress progress, String outcome) {
        Usage usage = progress.usage;
        if (reported(progress, outcome) || usage != null && usage.promptTokens() > 0) {
            return usage;
        }
        long estimate = call.stream().estimatedPromptTokens();
        if (estimate <= 0) {
            return usage;
        }
        Usage prompt = Usage.of(estimate, 0);
        return usage == null ? prompt : prompt.merge(usage);
    }

    private BigDecimal cost(CallContext call, Usage usage) {
        Price price = router.price(call);
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
