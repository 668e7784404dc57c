package dev.caravan.ledger;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ContentPart;
import dev.caravan.core.ReasoningEffort;
import dev.caravan.core.ToolDefinition;
import dev.caravan.core.Usage;
import dev.caravan.pricing.Price;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.ModelRouter;
import dev.caravan.routing.Target;
import org.apache.camel.Exchange;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The budget steps of a request: reserve its worst-case cost before any provider is called (429
 * {@code budget_exceeded} when a budget has no room; 403 {@code model_not_priced} when a budget applies and no target of
 * the chain has a price), settle to the real cost after (to an estimate bounded by the time the stream took when the
 * provider never reported the usage), release on failure.
 */
public final class BudgetGate {

    private final Ledger ledger;
    private final ModelRouter router;
    private final int cutStreamTokensPerSecond;

    /**
     * {@code cutStreamTokensPerSecond}: the fastest a served model generates, for streams cut short (see settle), when
     * its catalog entry does not say (outputTokensPerSecond).
     */
    public BudgetGate(Ledger ledger, ModelRouter router, int cutStreamTokensPerSecond) {
        if (cutStreamTokensPerSecond < 1) {
            throw new IllegalArgumentException("caravan.ledger.cut-stream-tokens-per-second must be at least 1, not "
                    + cutStreamTokensPerSecond);
        }
        this.ledger = ledger;
        this.router = router;
        this.cutStreamTokensPerSecond = cutStreamTokensPerSecond;
    }

    public void reserve(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        Map<Period, BigDecimal> keyLimits = new EnumMap<>(Period.class);
        if (call.keyDailyLimit() != null) {
            keyLimits.put(Period.DAY, call.keyDailyLimit());
        }
        if (call.keyMonthlyLimit() != null) {
            keyLimits.put(Period.MONTH, call.keyMonthlyLimit());
        }
        keepPricedTargets(call, keyLimits);
        BudgetReservation reservation = ledger.reserve(call.recordId(), call.application(), call.userId(),
                call.keyId(), keyLimits, worstCase(call));
        exchange.setProperty(BudgetReservation.PROPERTY, reservation);
    }

    public void settle(Exchange exchange) {
        BudgetReservation reservation = exchange.getProperty(BudgetReservation.PROPERTY, BudgetReservation.class);
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (reservation != null) {
            exchange.removeProperty(BudgetReservation.PROPERTY);
            if (!call.usageReported()) {
                call.costEstimated(cutShortCost(call, reservation.amount()));
            }
            ledger.settle(reservation, call.cost() == null ? BigDecimal.ZERO : call.cost());
        }
    }

    /**
     * What a stream cut short before the provider's usage came (the client left, the upstream cut it) may have cost on
     * the target that served it: its prompt (the provider's count when it gave one, else the gateway's own,
     * {@link PromptEstimate}) and the output a model can have generated in the time the request lasted
     * ({@link CutShortOutput}). Never more than was held for the whole chain, never nothing.
     */
    private BigDecimal cutShortCost(CallContext call, BigDecimal held) {
        Price price = call.current() == null ? null : router.price(call);
        if (price == null) {
            return held;
        }
        Usage seen = call.usage() == null ? Usage.NONE : call.usage();
        int tokensPerSecond = price.outputTokensPerSecond() != null
                ? price.outputTokensPerSecond() : cutStreamTokensPerSecond;
        long output = CutShortOutput.tokens(call.latencyNanos(), tokensPerSecond,
                outputAllowance(call.request(), call.current()), seen.completionTokens());
        Usage estimate = seen.promptTokens() > 0
                ? new Usage(seen.promptTokens(), output, seen.cacheReadTokens(), seen.cacheWriteTokens(), 0,
                        seen.cacheWrite1hTokens())
                : Usage.of(PromptEstimate.tokens(call.request(), call.current()), output);
        BigDecimal cost = price.cost(estimate);
        return cost.signum() > 0 ? cost.min(held) : held;
    }

    public void release(Exchange exchange) {
        BudgetReservation reservation = exchange.getProperty(BudgetReservation.PROPERTY, BudgetReservation.class);
        if (reservation != null) {
            exchange.removeProperty(BudgetReservation.PROPERTY);
            ledger.release(reservation);
        }
    }

    /**
     * The most the request can cost on any target of its chain: its prompt as that target is sent it
     * ({@link PromptEstimate}) plus its whole output allowance. With cache breakpoints the whole prompt may be written
     * to the cache, at the write price (an hour's when a breakpoint asks for an hour), which is more than uncached input.
     */
    BigDecimal worstCase(CallContext call) {
        ChatRequest request = call.request();
        long promptTokens = PromptEstimate.tokens(request);
        boolean toolsOffered = PromptEstimate.toolsOffered(request);
        CacheWrites writes = request.cacheBreakpoints() ? CacheWrites.of(request) : CacheWrites.NONE;
        BigDecimal worst = BigDecimal.ZERO;
        for (Target target : call.chain()) {
            worst = worst.max(worstCase(request, target,
                    promptTokens + PromptEstimate.toolUsePromptTokens(toolsOffered, target), writes));
        }
        return worst;
    }

    /** The most the request can cost on {@code target} (zero when it has no price). */
    private BigDecimal worstCase(ChatRequest request, Target target, long promptTokens, CacheWrites writes) {
        Price price = router.price(target);
        if (price == null) {
            return BigDecimal.ZERO;
        }
        long output = outputAllowance(request, target);
        BigDecimal uncached = price.cost(Usage.of(promptTokens, output));
        if (writes == CacheWrites.NONE) {
            return uncached;
        }
        Usage written = new Usage(promptTokens, output, 0, promptTokens, 0,
                writes == CacheWrites.HOUR ? promptTokens : 0);
        return uncached.max(price.cost(written));
    }

    /** The longest cache writes a request's breakpoints can cause. */
    private enum CacheWrites {
        NONE, DEFAULT, HOUR;

        static CacheWrites of(ChatRequest request) {
            for (ToolDefinition tool : request.tools()) {
                if (tool.cache() != null && tool.cache().oneHour()) {
                    return HOUR;
                }
            }
            for (ChatMessage message : request.messages()) {
                if (message.cache() != null && message.cache().oneHour()) {
                    return HOUR;
                }
                for (ContentPart part : message.content()) {
                    if (part.cache() != null && part.cache().oneHour()) {
                        return HOUR;
                    }
                }
            }
            return DEFAULT;
        }
    }

    /**
     * The most output the request may be billed for on {@code target}: its max_tokens, else the model's maximum; for
     * Claude with thinking on, the max_tokens it is sent, which holds the thinking budget too ({@link ReasoningEffort}).
     */
    private long outputAllowance(ChatRequest request, Target target) {
        if (target.claude()) {
            return ReasoningEffort.claudeMaxTokens(request, () -> router.defaultMaxTokens(target));
        }
        return request.maxTokens() != null ? request.maxTokens() : router.defaultMaxTokens(target);
    }

    /**
     * An unpriced call would pass every budget (nothing to hold, nothing to count): while a budget applies, only the
     * chain's priced targets are tried, and a chain with none is refused (403 {@code model_not_priced}).
     */
    private void keepPricedTargets(CallContext call, Map<Period, BigDecimal> keyLimits) {
        List<Target> chain = call.chain();
        if (chain.stream().allMatch(target -> router.price(target) != null)
                || !ledger.budgetsApply(call.application(), call.userId(), call.keyId(), keyLimits)) {
            return;
        }
        List<Target> priced = chain.stream().filter(target -> router.price(target) != null).toList();
        if (priced.isEmpty()) {
            throw new ModelNotPricedException(call.request().model());
        }
        call.chain(priced);
    }
}
