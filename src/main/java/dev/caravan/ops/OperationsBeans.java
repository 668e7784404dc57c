package dev.caravan.ops;

import dev.caravan.api.RouteSwapHold;
import dev.caravan.ledger.Ledger;
import dev.caravan.routing.Breakers;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.health.HealthCheckRegistry;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Metrics, the access log, the ledger's health check and live route reload: what operators watch and change. */
@Configuration
public class OperationsBeans implements CamelConfiguration {

    private static final List<String> PROVIDERS = List.of("openai", "anthropic", "bedrock", "mock");

    private GatewayMetrics metrics;
    private RouteSwapHold swapHold;

    @BindToRegistry
    public synchronized GatewayMetrics gatewayMetrics(CamelContext context) {
        if (metrics == null) {
            // The registry Camel's Prometheus support scrapes, so our figures land beside Camel's own.
            metrics = new GatewayMetrics(() -> MicrometerUtils.getMeterRegistryFromCamelRegistry(
                    context.getRegistry(), MicrometerConstants.METRICS_REGISTRY_NAME));
        }
        return metrics;
    }

    @BindToRegistry
    public AccessLog accessLog() {
        return new AccessLog();
    }

    /** Live reload of the YAML route files (routes/reload.yaml calls it). */
    @BindToRegistry
    public RouteFileReloader routeFiles(CamelContext context) {
        return new RouteFileReloader(context, swapHold(context));
    }

    /** The direct: component: a call to an endpoint without a consumer fails at once, unless routes are swapped. */
    @BindToRegistry("direct")
    public SwapWaitingDirectComponent direct(CamelContext context) {
        return new SwapWaitingDirectComponent(swapHold(context));
    }

    private synchronized RouteSwapHold swapHold(CamelContext context) {
        if (swapHold == null) {
            RouteSwapHold bound = context.getRegistry().lookupByNameAndType("routeSwapHold", RouteSwapHold.class);
            swapHold = bound == null ? new RouteSwapHold() : bound;
        }
        return swapHold;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        // The shutdown drain finds open streams among the in-flight exchanges (off by default in Camel).
        context.getInflightRepository().setInflightBrowseEnabled(true);
        // Camel's route timings, for the routes callers call (camel.metrics.enableRoutePolicy is off).
        context.addRoutePolicyFactory(new RouteTimings());
        AtomicReference<Thread> drain = new AtomicReference<>();
        ContextEvents.dropEndpointSummaries(context);
        ContextEvents.onStarted(context, () -> {
            ContextEvents.dropUnwantedExchangeEvents(context);
            watch(context);
        });
        ContextEvents.onStopping(context, () -> drain.set(ShutdownDrain.begin(context)));
        ContextEvents.onStopped(context, () -> {
            if (drain.get() != null) {
                drain.get().interrupt();
            }
            StdoutHandler.flushAll(); // the last requests' access lines, and the stop's own lines
        });
    }

    private void watch(CamelContext context) {
        GatewayMetrics gauges = gatewayMetrics(context);
        gauges.counter("caravan.log.records.dropped", "Log records dropped because standard output did not take them "
                + "(a stalled log collector)", QueuedOutput::droppedTotal);
        Ledger ledger = context.getRegistry().lookupByNameAndType("ledger", Ledger.class);
        if (ledger != null) {
            gauges.gauge("caravan.ledger.spool.depth", "Cost records waiting in the spool for the store", ledger,
                    Ledger::spoolDepth);
            HealthCheckRegistry health = HealthCheckRegistry.get(context);
            if (health != null) {
                health.register(new LedgerHealthCheck(ledger));
            }
        }
        Breakers breakers = context.getRegistry().lookupByNameAndType("breakers", Breakers.class);
        for (String provider : PROVIDERS) {
            if (breakers != null && context.getRoute("provider-" + provider) != null) {
                gauges.gauge("caravan.circuit.breaker.state", "0 closed, 1 open, 2 half-open (resilience4j order)",
                        breakers.breaker(provider), b -> b.getState().getOrder(), "provider", provider);
            }
        }
    }
}
