package dev.caravan.ops;

import dev.caravan.ledger.Ledger;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.component.resilience4j.ResilienceProcessor;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

import java.util.List;

/** Metrics, the access log and the ledger's health check: what operators watch. */
@Configuration
public class OperationsBeans implements CamelConfiguration {

    private static final List<String> PROVIDERS = List.of("openai", "anthropic", "bedrock", "mock");

    private GatewayMetrics metrics;

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

    @Override
    public void configure(CamelContext context) {
        // The shutdown drain finds open streams among the in-flight exchanges (off by default in Camel).
        context.getInflightRepository().setInflightBrowseEnabled(true);
        context.getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
            private Thread drain;

            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextStartedEvent) {
                    watch(context);
                } else if (event instanceof CamelEvent.CamelContextStoppingEvent) {
                    drain = ShutdownDrain.begin(context);
                } else if (event instanceof CamelEvent.CamelContextStoppedEvent && drain != null) {
                    drain.interrupt();
                }
            }
        });
    }

    private void watch(CamelContext context) {
        GatewayMetrics gauges = gatewayMetrics(context);
        Ledger ledger = context.getRegistry().lookupByNameAndType("ledger", Ledger.class);
        if (ledger != null) {
            gauges.gauge("caravan.ledger.spool.depth", "Cost records waiting in the spool for the store", ledger,
                    Ledger::spoolDepth);
            HealthCheckRegistry health = HealthCheckRegistry.get(context);
            if (health != null) {
                health.register(new LedgerHealthCheck(ledger));
            }
        }
        for (String provider : PROVIDERS) {
            ResilienceProcessor breaker = context.getProcessor(provider + "-breaker", ResilienceProcessor.class);
            if (breaker != null) {
                gauges.gauge("caravan.circuit.breaker.state", "0 closed, 1 open, 2 half-open (resilience4j order)",
                        breaker, b -> b.getCircuitBreaker() == null ? -1 : b.getCircuitBreaker().getState().getOrder(),
                        "provider", provider);
            }
        }
    }
}
