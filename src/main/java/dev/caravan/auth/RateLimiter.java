package dev.caravan.auth;

import dev.caravan.routing.CallContext;
import org.apache.camel.Exchange;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Per-key rate limits, requests and tokens per minute, as token buckets that refill continuously. A request is
 * admitted while its key has a request and a token left; the tokens it used are taken after
 * the answer (the bucket may go below zero, which holds back the next requests). Counted per gateway instance;
 * callers whose buckets have refilled are forgotten, so memory follows the callers of the last minutes, not of all time.
 */
public final class RateLimiter {

    private static final long MINUTE_NANOS = 60_000_000_000L;
    private static final int SWEEP_FROM = 10_000;

    private final Map<String, KeyBuckets> buckets = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile int nextSweep = SWEEP_FROM;

    public RateLimiter() {
        this(System::nanoTime);
    }

    RateLimiter(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Callers tracked in all; from here on, callers whose buckets have refilled are dropped. */
    int trackedCallers() {
        return buckets.size();
    }

    /** Route step after authentication: takes one request from the caller's budget or throws 429. */
    public void admit(Exchange exchange) {
        Identity identity = exchange.getProperty(Identity.PROPERTY, Identity.class);
        if (identity == null || !identity.rateLimit().limited() || identity.rateLimitKey() == null) {
            return;
        }
        RateLimit limit = identity.rateLimit();
        Map<String, String> headers = locked(identity.rateLimitKey(), state -> {
            state.refill(limit, nanoClock.getAsLong());
            boolean requestsLeft = limit.requestsPerMinute() == 0 || state.requests >= 1;
            boolean tokensLeft = limit.tokensPerMinute() == 0 || state.tokens >= 1;
            if (requestsLeft && tokensLeft && limit.requestsPerMinute() > 0) {
                state.requests -= 1;
            }
            Map<String, String> now = state.headers(limit);
            if (!requestsLeft || !tokensLeft) {
                long waitNanos = !requestsLeft ? state.untilRequest(limit) : state.untilTokens(limit);
                AuthFailure failure = new AuthFailure(429, !requestsLeft ? "requests" : "tokens", "rate_limit_exceeded",
                        "Rate limit reached: " + (!requestsLeft ? limit.requestsPerMinute() + " requests"
                                : limit.tokensPerMinute() + " tokens") + " per minute for this key; try again later",
                        Math.max(1, waitNanos / 1_000_000), now);
                throw failure.appliedTo(exchange);
            }
            return now;
        });
        headers.forEach((name, value) -> AnswerHeaders.put(exchange, name, value));
    }

    /** Route step after the answer (or in the usage route): takes the tokens the request used. */
    public void recordUsage(Exchange exchange) {
        Identity identity = exchange.getProperty(Identity.PROPERTY, Identity.class);
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (identity != null && call != null && call.usage() != null) {
            recordTokens(identity, call.usage().totalTokens());
        }
    }

    public void recordTokens(Identity identity, long tokens) {
        if (identity.rateLimit().tokensPerMinute() == 0 || identity.rateLimitKey() == null || tokens <= 0) {
            return;
        }
        locked(identity.rateLimitKey(), state -> {
            state.refill(identity.rateLimit(), nanoClock.getAsLong());
            state.tokens -= tokens;
            return null;
        });
    }

    /**
     * Runs {@code work} on the caller's buckets under their lock. Past {@value #SWEEP_FROM} callers, those whose
     * buckets have refilled are dropped first (a dropped caller comes back with full buckets, which is what it had).
     */
    private <T> T locked(String key, Function<KeyBuckets, T> work) {
        if (buckets.size() > nextSweep && sweeping.compareAndSet(false, true)) {
            try {
                long now = nanoClock.getAsLong();
                buckets.values().removeIf(state -> state.dropIfFull(now));
                nextSweep = Math.max(SWEEP_FROM, 2 * buckets.size());
            } finally {
                sweeping.set(false);
            }
        }
        while (true) {
            KeyBuckets state = buckets.computeIfAbsent(key, k -> new KeyBuckets());
            synchronized (state) {
                if (!state.dropped) {
                    return work.apply(state);
                }
            }
        }
    }

    /** One key's two buckets; starts full. */
    private static final class KeyBuckets {
        private double requests = Double.NaN;
        private double tokens = Double.NaN;
        private long lastNanos;
        private RateLimit lastLimit;
        private boolean dropped;

        void refill(RateLimit limit, long now) {
            lastLimit = limit;
            if (Double.isNaN(requests)) {
                requests = limit.requestsPerMinute();
                tokens = limit.tokensPerMinute();
                lastNanos = now;
                return;
            }
            double minutes = (double) (now - lastNanos) / MINUTE_NANOS;
            lastNanos = now;
            // A limit lowered by the admin takes effect at once: the buckets never hold more than the limit.
            requests = Math.min(limit.requestsPerMinute(), requests + minutes * limit.requestsPerMinute());
            tokens = Math.min(limit.tokensPerMinute(), tokens + minutes * limit.tokensPerMinute());
        }

        /** Marks these buckets dropped, and says so, when by {@code now} they have refilled to their limits. */
        synchronized boolean dropIfFull(long now) {
            if (lastLimit != null) {
                double minutes = (double) (now - lastNanos) / MINUTE_NANOS;
                dropped = requests + minutes * lastLimit.requestsPerMinute() >= lastLimit.requestsPerMinute()
                        && tokens + minutes * lastLimit.tokensPerMinute() >= lastLimit.tokensPerMinute();
            }
            return dropped;
        }

        long untilRequest(RateLimit limit) {
            return (long) ((1 - requests) / limit.requestsPerMinute() * MINUTE_NANOS);
        }

        long untilTokens(RateLimit limit) {
            return (long) ((1 - tokens) / limit.tokensPerMinute() * MINUTE_NANOS);
        }

        Map<String, String> headers(RateLimit limit) {
            Map<String, String> headers = new LinkedHashMap<>();
            if (limit.requestsPerMinute() > 0) {
                headers.put("x-ratelimit-limit-requests", Long.toString(limit.requestsPerMinute()));
                headers.put("x-ratelimit-remaining-requests", Long.toString((long) Math.floor(Math.max(0, requests))));
                headers.put("x-ratelimit-reset-requests",
                        duration((long) ((limit.requestsPerMinute() - requests) / limit.requestsPerMinute() * MINUTE_NANOS)));
            }
            if (limit.tokensPerMinute() > 0) {
                headers.put("x-ratelimit-limit-tokens", Long.toString(limit.tokensPerMinute()));
                headers.put("x-ratelimit-remaining-tokens", Long.toString((long) Math.floor(Math.max(0, tokens))));
                headers.put("x-ratelimit-reset-tokens",
                        duration((long) ((limit.tokensPerMinute() - tokens) / limit.tokensPerMinute() * MINUTE_NANOS)));
            }
            return headers;
        }
    }

    /** As OpenAI writes it: {@code 250ms}, {@code 1.5s}, {@code 59s}. */
    static String duration(long nanos) {
        long millis = Math.max(0, nanos / 1_000_000);
        if (millis < 1000) {
            return millis + "ms";
        }
        return java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + "s";
    }
}
