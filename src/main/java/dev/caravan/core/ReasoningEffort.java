package dev.caravan.core;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * OpenAI's {@code reasoning_effort} as the thinking budget of Claude's extended thinking, in LiteLLM's mapping: minimal
 * and low 1024 tokens (Anthropic's least), medium 2048, high 4096, xhigh 8192; "none" asks for no thinking. OpenAI is
 * sent the field as the caller wrote it. Anthropic counts thinking in {@code max_tokens}, so the caller's max_tokens is
 * the visible answer's allowance on top of the budget ({@link #maxTokens}). A model that thinks adaptively
 * ({@link AdaptiveThinking}) is sent an effort instead of the budget, and the same max_tokens: the budget is then the
 * nominal thinking of that effort, so the allowance, and the budget hold, are what they are for the budget form.
 */
public final class ReasoningEffort {

    public static final String FIELD = "reasoning_effort";
    /** The values OpenAI takes. */
    public static final List<String> VALUES = List.of("none", "minimal", "low", "medium", "high", "xhigh");

    private static final Map<String, Integer> BUDGETS = Map.of("minimal", 1024, "low", 1024, "medium", 2048,
            "high", 4096, "xhigh", 8192);

    private ReasoningEffort() {
    }

    /** The thinking budget in tokens the request asks for; null when it asks for none (no field, or "none"). */
    public static Integer budget(ChatRequest request) {
        JsonNode effort = request.original() == null ? null : request.original().get(FIELD);
        return effort == null || !effort.isTextual() ? null : BUDGETS.get(effort.asText());
    }

    /** The reasoning_effort the request asks for when it asks to reason (not "none"); else null. */
    public static String effort(ChatRequest request) {
        return budget(request) == null ? null : request.original().get(FIELD).asText();
    }

    /**
     * The max_tokens Claude is sent for {@code request} (Anthropic requires one): with thinking on, {@link #maxTokens};
     * else the caller's, else the model's most ({@code modelDefault}, asked only then). The budget hold counts it.
     */
    public static int claudeMaxTokens(ChatRequest request, IntSupplier modelDefault) {
        Integer budget = budget(request);
        if (budget != null) {
            return maxTokens(budget, request.maxTokens(), modelDefault.getAsInt());
        }
        return request.maxTokens() != null ? request.maxTokens() : modelDefault.getAsInt();
    }

    /**
     * The max_tokens a Claude model is sent with thinking on: the budget plus the caller's max_tokens, else the model's
     * default (its most output, which must then hold the budget too: the budget plus that when it does not).
     */
    public static int maxTokens(int budget, Integer callerMaxTokens, int modelDefault) {
        if (callerMaxTokens != null) {
            return (int) Math.min(Integer.MAX_VALUE, (long) budget + callerMaxTokens);
        }
        return modelDefault > budget ? modelDefault : budget + modelDefault;
    }
}
