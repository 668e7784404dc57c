package dev.caravan.ops;

import dev.caravan.core.Usage;
import dev.caravan.routing.CallContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.Exchange;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's own Prometheus figures, observed once per finished request from the cost route: requests,
 * latency and time to first token, tokens, cost, attempts and fallbacks; plus gauges for the ledger's spool and
 * each provider's circuit breaker.
 */
public final class GatewayMetrics {

    private static final String UNKNOWN = "none";
    /** The model tag of a failed request to a model the catalog does not price (see {@link #model}). */
    private static final String UNLISTED = "unlisted";

    private final Supplier<MeterRegistry> registrySource;
    /*
     * The meters by their tag values, so that a request does not build and look up its meters by name and tags
     * (Micrometer's builders and registry lookups were most of this bean's time). The tag values are bounded: APIs,
     * providers, the catalog's models and those providers answered as, outcomes.
     */
    private final Map<List<String>, Counter> requests = new ConcurrentHashMap<>();
    private final Map<List<String>, Timer> durations = new ConcurrentHashMap<>();
    private final Map<String, Timer> firstTokens = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> tokens = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> costs = new ConcurrentHashMap<>();
    private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();
    private volatile MeterRegistry registry;

    /** The registry is looked up on first use: Camel's Prometheus support creates it while the context starts. */
    public GatewayMetrics(Supplier<MeterRegistry> registrySource) {
        this.registrySource = registrySource;
    }

    private MeterRegistry registry() {
        MeterRegistry current = registry;
        if (current == null) {
            current = registrySource.get();
            registry = current;
        }
        return current;
    }

    public void observe(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call == null) {
            return;
        }
        String provider = orNone(call.provider());
        String model = model(call);
        String status = orNone(call.outcome());
        String stream = Boolean.toString(call.isStream());
        MeterRegistry registry = registry();
        requests.computeIfAbsent(List.of(call.api(), provider, model, status, stream), key ->
                Counter.builder("caravan.requests").description("Requests served, by provider, model and outcome")
                        .tags("api", key.get(0), "provider", provider, "model", model, "status", status, "stream", stream)
                        .register(registry)).increment();
        durations.computeIfAbsent(List.of(provider, status, stream), key ->
                Timer.builder("caravan.request.duration").description("Time from request to the answer's end")
                        .tags("provider", provider, "status", status, "stream", stream).publishPercentileHistogram()
                        .register(registry)).record(call.latencyNanos(), TimeUnit.NANOSECONDS);
        if (call.firstTokenMillis() != null) {
            firstTokens.computeIfAbsent(provider, key ->
                    Timer.builder("caravan.time.to.first.token").description("Time from request to the first streamed token")
                            .tags("provider", provider).publishPercentileHistogram().register(registry))
                    .record(Duration.ofMillis(call.firstTokenMillis()));
        }
        Usage usage = call.usage() == null ? Usage.NONE : call.usage();
        tokens(registry, provider, model, "prompt", usage.promptTokens());
        tokens(registry, provider, model, "completion", usage.completionTokens());
        tokens(registry, provider, model, "cache_read", usage.cacheReadTokens());
        tokens(registry, provider, model, "cache_write", usage.cacheWriteTokens());
        if (call.cost() != null) {
            costs.computeIfAbsent(List.of(provider, model), key ->
                    Counter.builder("caravan.cost.usd").description("Cost of answered requests in USD")
                            .tags("provider", provider, "model", model).register(registry))
                    .increment(call.cost().doubleValue());
        }
        if (call.attempts() > 1) {
            fallbacks.computeIfAbsent(provider, key ->
                    Counter.builder("caravan.fallback.attempts").description("Attempts beyond the first (retries and fallbacks)")
                            .tags("served_by", provider).register(registry)).increment(call.attempts() - 1);
        }
    }

    private void tokens(MeterRegistry registry, String provider, String model, String kind, long count) {
        if (count > 0) {
            tokens.computeIfAbsent(List.of(provider, model, kind), key ->
                    Counter.builder("caravan.tokens").description("Tokens used, by kind").baseUnit("tokens")
                            .tags("provider", provider, "model", model, "kind", kind).register(registry)).increment(count);
        }
    }

    /** A gauge read when Prometheus scrapes, e.g. the ledger's spool depth. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value, String... tags) {
        Gauge.builder(name, source, value).description(description).tags(tags).register(registry());
    }

    /** A counter whose total {@code total} keeps (it only grows). */
    public void counter(String name, String description, Supplier<Number> total) {
        FunctionCounter.builder(name, total, t -> t.get().doubleValue()).description(description).register(registry());
    }

    public void gauge(String name, String description, Supplier<Number> value, String... tags) {
        Gauge.builder(name, value).description(description).tags(tags).register(registry());
    }

    /**
     * The served model as a tag value: its name when the catalog prices it or a provider answered as it (both bounded
     * sets), else {@value #UNLISTED}. A name a caller made up reaches its provider by a prefix rule and fails there; as
     * a tag value, each would add series that the registry keeps for good.
     */
    private static String model(CallContext call) {
        String served = call.servedModel();
        if (served == null) {
            return UNKNOWN;
        }
        boolean answered = "ok".equals(call.outcome()) || "partial".equals(call.outcome());
        return answered || call.currentPrice() != null ? served : UNLISTED;
    }

    private static String orNone(String value) {
        return value == null ? UNKNOWN : value;
    }
}
