package dev.caravan.routing;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.GatewayException;
import dev.caravan.core.Usage;
import dev.caravan.pricing.Price;
import dev.caravan.streaming.ClientChannel;
import dev.caravan.streaming.RelayProgress;
import dev.caravan.streaming.UpstreamStream;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The state of one request on its journey through the routes, kept in the exchange property {@code call}.
 * Provider routes read {@link #request()} and {@link #current()}, and end with {@link #answered} or
 * {@link #streaming}, or throw a {@link GatewayException}.
 */
public final class CallContext {

    public static final String PROPERTY = "call";
    /**
     * The attempt's provider and named account as plain exchange properties, for the routes' choice: a property
     * compares as a string, while {@code ${exchangeProperty.call.provider()}} went through Camel's bean machinery
     * (an exchange copy per evaluation).
     */
    public static final String PROVIDER_PROPERTY = "provider";
    public static final String ACCOUNT_PROPERTY = "account";

    private final String requestId;
    private final String api;
    private final long startNanos = System.nanoTime();
    private final long startEpochMillis = System.currentTimeMillis();
    private ChatRequest request;
    private List<Target> chain = List.of();
    private int chainIndex = -1;
    private int attempts;
    private int retriesOnCurrent;
    private long backoffMillis;
    private long deadlineNanos = Long.MAX_VALUE;
    private Target current;
    private Price currentPrice;
    private final List<String> failures = new ArrayList<>();
    private GatewayException lastError;
    private ChatResponse response;
    private UpstreamStream stream;
    private boolean done;
    private ClientChannel client;
    private Consumer<CallContext> whenStreaming;
    private RelayProgress relayProgress;
    private Usage usage;
    private BigDecimal cost;
    private String outcome;
    private Long firstTokenMillis;
    /** When the answer was settled ({@link #settled}); 0 while it is open. */
    private long settledNanos;
    private boolean usageReported = true;
    private final String recordId;
    private String userId;
    private String application;
    private String keyId;
    private BigDecimal keyDailyLimit;
    private BigDecimal keyMonthlyLimit;

    public CallContext(String requestId, String api) {
        this(requestId, api, requestId);
    }

    /** {@code recordId} keys the cost record: unique even when callers reuse their own request ids. */
    public CallContext(String requestId, String api, String recordId) {
        this.requestId = requestId;
        this.api = api;
        this.recordId = recordId;
    }

    public String recordId() {
        return recordId;
    }

    /** Who is calling, as authentication established it (null parts are unknown). */
    public void caller(String user, String app, String key) {
        this.userId = user;
        this.application = app;
        this.keyId = key;
    }

    /** The caller's user id: authenticated, else the request's own {@code user} field. */
    public String userId() {
        if (userId != null) {
            return userId;
        }
        return request == null ? null : request.user();
    }

    /** Limits set on the caller's key itself, in USD (null: none of that period). */
    public void keyBudgets(BigDecimal daily, BigDecimal monthly) {
        this.keyDailyLimit = daily;
        this.keyMonthlyLimit = monthly;
    }

    public BigDecimal keyDailyLimit() {
        return keyDailyLimit;
    }

    public BigDecimal keyMonthlyLimit() {
        return keyMonthlyLimit;
    }

    public String application() {
        return application;
    }

    public String keyId() {
        return keyId;
    }

    public String requestId() {
        return requestId;
    }

    /** Which API shape the caller speaks: {@code openai} or {@code simple}. */
    public String api() {
        return api;
    }

    public long startNanos() {
        return startNanos;
    }

    public long startEpochMillis() {
        return startEpochMillis;
    }

    public ChatRequest request() {
        return request;
    }

    public void request(ChatRequest parsed) {
        this.request = parsed;
    }

    public boolean isStream() {
        return request != null && request.stream();
    }

    public List<Target> chain() {
        return chain;
    }

    public void chain(List<Target> targets) {
        this.chain = List.copyOf(targets);
        this.chainIndex = -1;
    }

    public int chainIndex() {
        return chainIndex;
    }

    public void chainIndex(int index) {
        this.chainIndex = index;
    }

    /** The target of the attempt in progress. */
    public Target current() {
        return current;
    }

    /**
     * The current target's price as the catalog had it when the attempt started: a catalog reloaded while the call
     * runs (a price renamed or removed) does not make it free.
     */
    public Price currentPrice() {
        return currentPrice;
    }

    /** Starts an attempt on {@code target}, its price to be looked up in the catalog when it is needed. */
    public void attempt(Target target) {
        attempt(target, null);
    }

    /** Starts an attempt on {@code target}, at {@code price} (the catalog's when it started; null: unpriced). */
    public void attempt(Target target, Price price) {
        this.current = target;
        this.currentPrice = price;
        this.attempts++;
        this.retriesOnCurrent = 0;
        this.backoffMillis = 0;
    }

    /** Starts another attempt on the current target, after waiting {@code delayMillis} (the dispatch loop waits). */
    public void retry(long delayMillis) {
        this.attempts++;
        this.retriesOnCurrent++;
        this.backoffMillis = delayMillis;
    }

    /** How many times the current target has been retried (0 on its first attempt). */
    public int retriesOnCurrent() {
        return retriesOnCurrent;
    }

    /** Milliseconds to wait before the attempt about to start (backoff before a retry; 0 otherwise). */
    public long backoffMillis() {
        return backoffMillis;
    }

    /** No new attempt starts later than {@code timeoutMillis} after the request came in. */
    public void deadline(long timeoutMillis) {
        this.deadlineNanos = startNanos + timeoutMillis * 1_000_000;
    }

    /** Milliseconds left before the deadline (negative once it has passed). */
    public long remainingMillis() {
        return deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : (deadlineNanos - System.nanoTime()) / 1_000_000;
    }

    public int attempts() {
        return attempts;
    }

    public String provider() {
        return current == null ? null : current.provider();
    }

    public String servedModel() {
        return current == null ? null : current.model();
    }

    /** The named provider account of the attempt in progress; null on a provider's default account. */
    public String account() {
        return current == null ? null : current.account();
    }

    public void failed(GatewayException error) {
        lastError = error;
        failures.add(current + ": " + error.getMessage());
    }

    public List<String> failures() {
        return failures;
    }

    public GatewayException lastError() {
        return lastError;
    }

    public void answered(ChatResponse answer) {
        this.response = answer;
        this.done = true;
    }

    /**
     * The answer is a stream and this attempt is the one that answers: no fallback follows. Whoever registered
     * {@link #whenStreaming} (the relay) opens the caller's stream now, before the route unwinds back to it.
     */
    public void streaming(UpstreamStream upstream) {
        this.stream = upstream;
        this.done = true;
        if (whenStreaming != null && client != null) {
            whenStreaming.accept(this);
        }
    }

    /** Called when the answer is committed as a stream (see {@link #streaming}). */
    public void whenStreaming(Consumer<CallContext> action) {
        this.whenStreaming = action;
    }

    /** What the relay has written so far, once it opened the caller's stream; null before. */
    public RelayProgress relayProgress() {
        return relayProgress;
    }

    public void relayProgress(RelayProgress progress) {
        this.relayProgress = progress;
    }

    /** No attempt has succeeded yet and none has failed for good. */
    public boolean pending() {
        return !done;
    }

    /** Ends the journey with an error that no further attempt may change (e.g. the caller's own 400). */
    public void giveUp(GatewayException error) {
        this.lastError = error;
        this.done = true;
    }

    public ChatResponse response() {
        return response;
    }

    public UpstreamStream stream() {
        return stream;
    }

    private long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** The caller's connection, for answers streamed event by event. */
    public ClientChannel client() {
        return client;
    }

    public void client(ClientChannel channel) {
        this.client = channel;
    }

    /**
     * Settles what the request used and cost: {@code outcome} is ok, error or partial (a stream cut short);
     * {@code reported} is false when the provider never said how many tokens it used.
     */
    public void settled(Usage used, BigDecimal price, String result, boolean reported) {
        this.usage = used;
        this.cost = price;
        this.outcome = result;
        this.usageReported = reported;
        this.settledNanos = System.nanoTime();
    }

    /**
     * A request whose usage never came whole ({@link #usageReported} false) costs an estimate under budgets, never
     * zero (BudgetGate: its prompt and the output its time allows on the target that served it).
     */
    public void costEstimated(BigDecimal estimate) {
        this.cost = estimate;
    }

    /**
     * The request's latency: milliseconds from its arrival to its answer's settlement (a stream's last event), the
     * figure the cost record, the metrics and the access log report. They run on the wire tap's thread, later (the
     * ledger gathers records before it writes them), so the clock stops here, not when they read it. Until the
     * answer is settled, the time so far.
     */
    public long latencyMillis() {
        return latencyNanos() / 1_000_000;
    }

    /** {@link #latencyMillis()} in nanoseconds, for the metrics' histogram (most answers take under a millisecond). */
    public long latencyNanos() {
        long end = settledNanos;
        return (end == 0 ? System.nanoTime() : end) - startNanos;
    }

    public Usage usage() {
        return usage;
    }

    public BigDecimal cost() {
        return cost;
    }

    public String outcome() {
        return outcome;
    }

    public boolean usageReported() {
        return usageReported;
    }

    public void firstToken() {
        if (firstTokenMillis == null) {
            firstTokenMillis = elapsedMillis();
        }
    }

    public Long firstTokenMillis() {
        return firstTokenMillis;
    }
}
