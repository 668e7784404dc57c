package dev.caravan.routing;

import dev.caravan.api.ErrorResponder;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;
import dev.caravan.core.JsonAnswerTool;
import dev.caravan.core.ToolCall;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Policy of the dispatch loop: which target the next attempt goes to (a retry of the same target after a backoff,
 * the next deployment, the next model of the fallback chain), what a failed attempt means, and the outcome once
 * the chain is exhausted or the request's deadline has passed. The loop itself is in {@code routes/dispatch.yaml};
 * each provider account's circuit breaker is in {@link Breakers}, asked by its provider's route.
 */
public final class FallbackChain {

    private static final Logger LOG = LoggerFactory.getLogger(FallbackChain.class);

    private final ModelRouter router;
    private final LoadBalancer balancer;
    private volatile ResilienceSettings settings;

    /** Settings are read from the Camel context's properties on first use. */
    public FallbackChain(ModelRouter router) {
        this(router, null, new LoadBalancer());
    }

    public FallbackChain(ModelRouter router, ResilienceSettings settings, LoadBalancer balancer) {
        this.router = router;
        this.settings = settings;
        this.balancer = balancer;
    }

    /**
     * Resolves the requested model to its targets (404 for unknown models): its deployments in load-balanced
     * order, then each fallback's; and starts the request's deadline. A request for structured output (a
     * json_object or json_schema response_format), for logprobs, for reasoning, for a forced tool call, with an image
     * by its link or with tool-call arguments that are no JSON object keeps only the targets that can honour it (a
     * fallback that cannot is skipped), and is a 400 when none of the requested model's deployments can
     * ({@link StructuredOutputs}, {@link Logprobs}, {@link Reasoning}, {@link ForcedToolCalls}, {@link ImageLinks},
     * {@link ToolCallArguments}), or when a target that gets the format as a tool could not be sent it as given.
     * When none of the model's providers is configured and no fallback can honour it, it is the 503
     * {@code provider_not_configured} a request for the model gets without fallbacks.
     */
    public void plan(Exchange exchange) {
        CallContext call = call(exchange);
        ResilienceSettings resilience = settings(exchange.getContext());
        CamelContext context = exchange.getContext();
        ChatRequest request = call.request();
        List<Target> targets = new ArrayList<>();
        List<List<WeightedTarget>> groups = router.candidates(request.model());
        Asked asked = new Asked(StructuredOutputs.requested(request), Logprobs.requested(request),
                Reasoning.requested(request), ForcedToolCalls.requested(request),
                ImageLinks.refusedByACandidate(request, groups),
                ToolCallArguments.refusedByACandidate(request, groups));
        GatewayException refused = null;
        for (int g = 0; g < groups.size(); g++) {
            List<WeightedTarget> group = groups.get(g);
            if (asked.anything()) {
                List<WeightedTarget> honouring = group.stream()
                        .filter(w -> unsupported(w.target(), request, asked) == null)
                        .toList();
                if (honouring.isEmpty() && !group.isEmpty()) {
                    // the requested model's own deployments refusing is the caller's 400; a fallback is skipped
                    refused = unsupported(group.get(0).target(), request, asked);
                    if (g == 0) {
                        throw refused;
                    }
                }
                group = honouring;
            }
            for (Target target : balancer.order(group, t -> breakerOpen(context, t))) {
                if (!targets.contains(target)) {
                    targets.add(target);
                }
            }
        }
        if (targets.isEmpty()) {
            // none of the model's own providers is configured, and no fallback can serve the request as asked
            throw router.notConfigured(request.model(), refused);
        }
        if (asked.structured() != null && targets.stream().anyMatch(StructuredOutputs::askedWithATool)) {
            // a format the answer's tool cannot carry is the caller's error: a 400 now, not after an upstream call
            JsonAnswerTool.of(request);
        }
        call.chain(targets);
        call.deadline(resilience.requestTimeoutMs());
    }

    /** Why {@code target} cannot serve the request as asked (the 400 naming the field), or null when it can. */
    private static GatewayException unsupported(Target target, ChatRequest request, Asked asked) {
        if (asked.imageLinks() && !ImageLinks.honouredBy(target)) {
            return ImageLinks.unsupported(request.model(), target);
        }
        if (asked.toolCall() != null && !ToolCallArguments.honouredBy(target, request)) {
            return asked.toolCall().argumentsNotAnObject();
        }
        if (asked.structured() != null && !StructuredOutputs.honouredBy(target)) {
            return StructuredOutputs.unsupported(asked.structured(), request.model(), target);
        }
        GatewayException forcedCall = asked.forcedCall() ? ForcedToolCalls.conflict(request, target, request.model())
                : null;
        if (forcedCall != null) {
            return forcedCall;
        }
        if (asked.logprobs() && !Logprobs.honouredBy(target)) {
            return Logprobs.unsupported(request.model(), target);
        }
        return asked.reasoning() ? Reasoning.conflict(request, target, request.model()) : null;
    }

    /** What a request asks that not every target can honour. */
    private record Asked(String structured, boolean logprobs, boolean reasoning, boolean forcedCall,
                         boolean imageLinks, ToolCall toolCall) {

        boolean anything() {
            return structured != null || logprobs || reasoning || forcedCall || imageLinks || toolCall != null;
        }
    }

    /**
     * Picks the next attempt: the same target again when its last failure may be retried (setting the backoff the
     * loop waits first), else the next target; ends the loop with the last failure when none is left, or with a
     * 504 when the request's deadline has passed.
     */
    public void nextAttempt(Exchange exchange) {
        CallContext call = call(exchange);
        ResilienceSettings resilience = settings(exchange.getContext());
        if (call.current() != null && call.remainingMillis() <= 0) {
            call.giveUp(deadlinePassed(call, resilience.requestTimeoutMs()));
            return;
        }
        if (call.current() != null && call.lastError() != null) {
            long delay = resilience.retry(call.provider()).delayBeforeRetry(call.retriesOnCurrent(), call.lastError(),
                    call.remainingMillis());
            if (delay != RetryPolicy.NO_RETRY) {
                LOG.info("Request {}: retrying {} in {} ms (retry {})", call.requestId(), call.current(), delay,
                        call.retriesOnCurrent() + 1);
                call.retry(delay);
                return;
            }
        }
        int next = call.chainIndex() + 1;
        if (next >= call.chain().size()) {
            call.giveUp(call.lastError() != null ? call.lastError()
                    : GatewayException.upstreamUnavailable("gateway", "no provider could serve the request"));
            return;
        }
        if (call.remainingMillis() <= 0) {
            call.giveUp(deadlinePassed(call, resilience.requestTimeoutMs()));
            return;
        }
        call.chainIndex(next);
        Target target = call.chain().get(next);
        call.attempt(target, router.price(target));
        exchange.setProperty(CallContext.PROVIDER_PROPERTY, call.provider());
        exchange.setProperty(CallContext.ACCOUNT_PROPERTY, call.account());
    }

    /** A failed attempt (the provider route's catch): notes why; the loop goes on (retry or next target). */
    public void attemptFailed(Exchange exchange) {
        CallContext call = call(exchange);
        GatewayException error = classify(call.provider(), exchange.getProperty(Exchange.EXCEPTION_CAUGHT,
                Throwable.class));
        LOG.warn("Attempt {} of request {} on {} failed: {}", call.attempts(), call.requestId(), call.current(),
                error.getMessage());
        call.failed(error);
        // the caller's own error (a request the provider cannot be sent) says nothing about the deployment
        if (!RetryPolicy.isCircuitOpen(error) && error.retryable()) {
            balancer.failed(call.current(), settings(exchange.getContext()).deploymentCooldownMs());
        }
        if (!error.retryable()) {
            call.giveUp(error);
        }
    }

    /** After the loop: the answer is there, or the last failure goes back to the caller. */
    public void outcome(Exchange exchange) {
        CallContext call = call(exchange);
        if (call.response() == null && call.stream() == null) {
            throw call.lastError();
        }
        balancer.succeeded(call.current());
    }

    /** The load balancer's view of deployment health (for tests and diagnostics). */
    public LoadBalancer balancer() {
        return balancer;
    }

    /**
     * Whether the circuit breaker that guards {@code target} is open: its provider's ({@code <provider>}) on the
     * default account, its account's own ({@code account-<name>}) on a named account.
     */
    public static boolean breakerOpen(CamelContext context, Target target) {
        return breakerOpen(context, Breakers.name(target.provider(), target.account()));
    }

    /** Whether the named circuit breaker ({@link Breakers}) is open. */
    public static boolean breakerOpen(CamelContext context, String breaker) {
        Breakers breakers = context.getRegistry().lookupByNameAndType("breakers", Breakers.class);
        return breakers != null && breakers.isOpen(breaker);
    }

    static GatewayException deadlinePassed(CallContext call, long timeoutMs) {
        String last = call.lastError() == null ? "" : "; last failure: " + call.lastError().getMessage();
        return new GatewayException(504, "upstream_error", "request_timeout", null,
                "No answer within the request's time limit of " + timeoutMs + " ms after " + call.attempts()
                        + " attempt(s)" + last, false, 0);
    }

    static GatewayException classify(String provider, Throwable failure) {
        if (failure == null || failure instanceof CallNotPermittedException) {
            // An open breaker rejects the call before it runs: its fallback sees no exception.
            return new GatewayException(503, "upstream_error", "circuit_open", null,
                    provider + ": temporarily unavailable (circuit open after repeated failures)", true, 0);
        }
        if (failure instanceof GatewayException gateway) {
            return gateway;
        }
        Throwable cause = failure;
        while (cause != null) {
            if (cause instanceof SocketTimeoutException) {
                return GatewayException.timeout(provider, "no answer within the timeout");
            }
            if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
                return GatewayException.upstreamUnavailable(provider, "cannot connect to the upstream");
            }
            if (cause instanceof GatewayException gateway) {
                return gateway;
            }
            cause = cause.getCause();
        }
        if (failure instanceof java.io.IOException) {
            return GatewayException.upstreamUnavailable(provider, "the connection failed: "
                    + failure.getClass().getSimpleName());
        }
        return ErrorResponder.asGatewayError(failure);
    }

    private ResilienceSettings settings(CamelContext context) {
        ResilienceSettings current = settings;
        if (current == null) {
            current = ResilienceSettings.load(key -> context.getPropertiesComponent().resolveProperty(key)
                    .orElse(null));
            settings = current;
        }
        return current;
    }

    private static CallContext call(Exchange exchange) {
        return exchange.getProperty(CallContext.PROPERTY, CallContext.class);
    }
}
