package dev.caravan.routing;

import dev.caravan.core.GatewayException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The circuit breakers (resilience4j), one per provider account: {@code openai} for OpenAI's default account,
 * {@code account-<name>} for a named account, with its provider's settings ({@code caravan.<provider>.breaker.*}).
 * <p>
 * The provider routes ask before each call ({@link #permit}) and report how it went ({@link #succeeded},
 * {@link #failed}), as steps around the call rather than Camel's {@code circuitBreaker} EIP: the EIP runs its steps
 * synchronously, holding the thread while a call is in flight, whereas the steps let an asynchronous call release it.
 * What counts is as with the EIP: every exception raised between the two steps is a failure (but for a caller's own
 * error, see {@link #failed}), the time between them is what the slow-call threshold sees, and an open breaker refuses
 * the call with resilience4j's {@code CallNotPermittedException}, which the fallback reads as {@code circuit_open}.
 */
public final class Breakers {

    /** The name of the breaker that gave the exchange's attempt its permission. */
    static final String PERMITTED = "caravan.breaker";
    /** When it gave it (System.nanoTime). */
    static final String PERMITTED_AT = "caravan.breaker.at";

    private final Function<String, String> property;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

    /** {@code property} answers a configuration key's value, or null when it is not set. */
    public Breakers(Function<String, String> property) {
        this.property = property;
    }

    /** The breakers of a Camel context's configuration. */
    public static Breakers of(CamelContext context) {
        return new Breakers(key -> context.getPropertiesComponent().resolveProperty(key).orElse(null));
    }

    /** The name of the breaker that guards an account of {@code provider}: null {@code account} is the default one. */
    public static String name(String provider, String account) {
        return account == null ? provider : "account-" + account;
    }

    /** Asks the breaker of the exchange's attempt; an open one refuses with {@code CallNotPermittedException}. */
    public void permit(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        String name = name(call.provider(), call.account());
        CircuitBreaker breaker = breaker(name, call.provider());
        exchange.removeProperty(PERMITTED);
        breaker.acquirePermission();
        exchange.setProperty(PERMITTED, name);
        exchange.setProperty(PERMITTED_AT, System.nanoTime());
    }

    public void succeeded(Exchange exchange) {
        String name = exchange.getProperty(PERMITTED, String.class);
        if (name != null) {
            breakers.get(name).onSuccess(elapsedNanos(exchange), TimeUnit.NANOSECONDS);
            exchange.removeProperty(PERMITTED);
        }
    }

    /**
     * The failure is the exception the route caught; a refused permission is not a call, so nothing is recorded. A
     * failure that does not say the provider is unwell ({@link GatewayException#providerUnwell}: a caller's own error
     * such as a 400 for a bad request, or an answer about one model, a 403 or 404) is the provider answering as it
     * should, and counts as a success: otherwise a caller's bad requests, or requests for a model the gateway may
     * not use, would open the breaker for everyone.
     */
    public void failed(Exchange exchange) {
        String name = exchange.getProperty(PERMITTED, String.class);
        if (name != null) {
            Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            CircuitBreaker breaker = breakers.get(name);
            if (failure instanceof GatewayException error && !error.providerUnwell()) {
                breaker.onSuccess(elapsedNanos(exchange), TimeUnit.NANOSECONDS);
            } else {
                breaker.onError(elapsedNanos(exchange), TimeUnit.NANOSECONDS,
                        failure == null ? new IllegalStateException("call failed") : failure);
            }
            exchange.removeProperty(PERMITTED);
        }
    }

    /** Whether the named breaker is open (a breaker not made yet is closed). */
    public boolean isOpen(String name) {
        CircuitBreaker breaker = breakers.get(name);
        if (breaker == null) {
            return false;
        }
        CircuitBreaker.State state = breaker.getState();
        return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
    }

    /** The named breaker, made on first use with {@code provider}'s settings. */
    public CircuitBreaker breaker(String name, String provider) {
        return breakers.computeIfAbsent(name, n -> CircuitBreaker.of(n, config(provider)));
    }

    /** The breaker of a provider's default account. */
    public CircuitBreaker breaker(String provider) {
        return breaker(provider, provider);
    }

    private static long elapsedNanos(Exchange exchange) {
        Long at = exchange.getProperty(PERMITTED_AT, Long.class);
        return at == null ? 0 : System.nanoTime() - at;
    }

    private CircuitBreakerConfig config(String provider) {
        // The mock provider is for trying the gateway out: its breaker is slow to open.
        boolean mock = "mock".equals(provider);
        String p = "caravan." + provider + ".breaker.";
        return CircuitBreakerConfig.custom()
                .failureRateThreshold(number(p + "failure-rate-percent", 50))
                .minimumNumberOfCalls(number(p + "minimum-calls", mock ? 100 : 10))
                .slidingWindowSize(number(p + "window", mock ? 100 : 20))
                .waitDurationInOpenState(Duration.ofSeconds(number(p + "open-seconds", mock ? 60 : 30)))
                .permittedNumberOfCallsInHalfOpenState(number(p + "half-open-calls", 3))
                .slowCallRateThreshold(number(p + "slow-call-percent", 100))
                .slowCallDurationThreshold(Duration.ofSeconds(number(p + "slow-call-seconds", 60)))
                .build();
    }

    private int number(String key, int fallback) {
        String value = property.apply(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + value + "'");
        }
    }
}
