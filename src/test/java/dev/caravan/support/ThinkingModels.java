package dev.caravan.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which Claude models take which thinking, as Anthropic's and AWS's model tables list them, for the fakes to refuse
 * what the real services refuse: Opus 4.6 and Sonnet 4.6 take adaptive thinking and the (deprecated) budget form;
 * Opus 4.7 and later, the Claude 5 models, Mythos and Fable take only adaptive; older models only the budget form.
 * Efforts: low, medium, high and max on every adaptive model, xhigh from Opus 4.7 on (not on the 4.6 models or Mythos
 * Preview). The adaptive-only models are also the ones that refuse the sampling parameters (temperature, top_p,
 * top_k), with thinking or without, and the ones that leave their thinking text out unless asked to show it. Matched
 * on the id's text, apart from the gateway's own reading of versions.
 */
public final class ThinkingModels {

    private static final Pattern BOTH_FORMS = Pattern.compile("claude-(opus|sonnet)-4-6(?![0-9])");
    private static final Pattern ADAPTIVE_ONLY = Pattern.compile(
            "claude-(opus-4-[7-9]|(opus|sonnet|haiku|mythos|fable)-[5-9]|mythos-preview)(?![0-9])");
    private static final Pattern XHIGH = Pattern.compile(
            "claude-(opus-4-[7-9]|(opus|sonnet|haiku|mythos|fable)-[5-9])(?![0-9])");
    private static final Pattern NO_FORCED_TOOL = Pattern.compile(
            "claude-((opus|sonnet)-(5-[5-9]|[6-9])(?![0-9])|fable-)");
    private static final Set<String> EFFORTS = Set.of("low", "medium", "high", "max");

    private ThinkingModels() {
    }

    public static boolean takesAdaptive(String model) {
        return BOTH_FORMS.matcher(model).find() || onlyAdaptive(model);
    }

    public static boolean onlyAdaptive(String model) {
        return ADAPTIVE_ONLY.matcher(model).find();
    }

    /**
     * Whether {@code model} answers its thinking blocks with empty text unless {@code thinking.display} asks for it
     * "summarized": Anthropic's default is "omitted" on the adaptive-only models, "summarized" on older ones.
     */
    public static boolean omitsThinkingByDefault(String model) {
        return onlyAdaptive(model);
    }

    /** Whether {@code model} refuses temperature, top_p and top_k: Opus 4.7 and later, Mythos and Fable. */
    public static boolean refusesSampling(String model) {
        return onlyAdaptive(model);
    }

    /**
     * The sampling field {@code model} refuses, in the words Anthropic answers it with ("`temperature` is deprecated
     * for this model."), of those {@code sent} holds; null when it takes them all.
     */
    public static String samplingRefusal(String model, Set<String> sent) {
        if (!refusesSampling(model)) {
            return null;
        }
        for (String field : List.of("temperature", "top_p", "top_k")) {
            if (sent.contains(field)) {
                return "`" + field + "` is deprecated for this model.";
            }
        }
        return null;
    }

    /**
     * Whether {@code model} refuses a forced tool call (tool_choice "any" or "tool"): Opus 5.5, Sonnet 5.5 and later,
     * and Fable, as Anthropic's pages for them say; Haiku 5.5's lists no such change.
     */
    public static boolean refusesForcedToolUse(String model) {
        return NO_FORCED_TOOL.matcher(model).find();
    }

    /**
     * Why Anthropic's output format refuses JSON schema {@code schema} (in the fake's own words): it is no object, or
     * an object schema in it does not close itself with {@code additionalProperties: false}; null when it takes it.
     */
    public static String outputSchemaRefusal(JsonNode schema) {
        if (schema == null || !schema.isObject()) {
            return "output_config.format.schema: Input should be an object";
        }
        if (("object".equals(schema.path("type").asText()) || schema.has("properties"))
                && !schema.path("additionalProperties").isBoolean()
                || schema.path("additionalProperties").asBoolean(false)) {
            return "output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to "
                    + "false";
        }
        for (String key : List.of("properties", "$defs", "definitions", "anyOf", "allOf", "oneOf")) {
            for (JsonNode inner : schema.path(key)) {
                String refused = outputSchemaRefusal(inner);
                if (refused != null) {
                    return refused;
                }
            }
        }
        return schema.has("items") ? outputSchemaRefusal(schema.get("items")) : null;
    }

    public static boolean takesEffort(String effort, String model) {
        return EFFORTS.contains(effort) || "xhigh".equals(effort) && XHIGH.matcher(model).find();
    }

    /**
     * Why {@code model} refuses {@code thinking} (with {@code effort}, output_config's, for adaptive), in the words
     * Anthropic answers an adaptive-only model's budget with (the others in the fake's own words); null when it takes
     * it. A budget's own rules (at least 1024, under max_tokens) are the caller's to check.
     */
    public static String refusal(String model, String type, String effort) {
        if ("enabled".equals(type) || "disabled".equals(type)) {
            return onlyAdaptive(model) ? "thinking.type." + type + " is not supported for this model. Use "
                    + "thinking.type.adaptive and output_config.effort" : null;
        }
        if (!"adaptive".equals(type)) {
            return "thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'";
        }
        if (!takesAdaptive(model)) {
            return "thinking.type.adaptive is not supported for this model. Use thinking.type.enabled with "
                    + "budget_tokens";
        }
        return effort == null || takesEffort(effort, model) ? null
                : "output_config.effort: '" + effort + "' is not supported for this model";
    }
}
