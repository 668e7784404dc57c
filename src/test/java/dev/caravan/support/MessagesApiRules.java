package dev.caravan.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks Anthropic's Messages API makes of a request body before a model sees it, with its own words for each
 * refusal: what {@link FakeAnthropic} answers 400 to.
 */
final class MessagesApiRules {

    private MessagesApiRules() {
    }

    /** Why the real API would refuse {@code request}, or null when it would accept it. */
    static String violation(JsonNode request) {
        if (!request.path("model").isTextual()) {
            return "model: Field required";
        }
        if (!request.has("max_tokens")) {
            return "max_tokens: Field required";
        }
        if (!request.path("max_tokens").isIntegralNumber() || request.path("max_tokens").asInt() < 1) {
            return "max_tokens: Input should be a valid integer greater than or equal to 1";
        }
        if (request.has("system") && !request.path("system").isTextual() && !request.path("system").isArray()) {
            return "system: Input should be a valid string or list";
        }
        if (request.has("temperature") && !(request.path("temperature").isNumber()
                && request.path("temperature").asDouble() >= 0 && request.path("temperature").asDouble() <= 1)) {
            return "temperature: Input should be less than or equal to 1";
        }
        Set<String> fields = new HashSet<>();
        request.fieldNames().forEachRemaining(fields::add);
        String sampling = ThinkingModels.samplingRefusal(request.path("model").asText(), fields);
        if (sampling != null) {
            return sampling;
        }
        String thinking = thinking(request);
        if (thinking != null) {
            return thinking;
        }
        for (JsonNode stop : request.path("stop_sequences")) {
            if (stop.asText().codePoints().allMatch(MessagesApiRules::isSpace)) {
                return "stop_sequences: each stop sequence must contain non-whitespace";
            }
        }
        List<String> toolNames = new ArrayList<>();
        for (JsonNode tool : request.path("tools")) {
            if (!tool.path("name").isTextual() || !tool.path("input_schema").isObject()) {
                return "tools: each tool needs a name and an input_schema object";
            }
            if (!"object".equals(tool.path("input_schema").path("type").asText())) {
                return "tools." + toolNames.size() + ".custom.input_schema.type: Field required";
            }
            toolNames.add(tool.path("name").asText());
        }
        String choice = toolChoice(request.path("tool_choice"), toolNames);
        if (choice != null) {
            return choice;
        }
        String forced = request.path("tool_choice").path("type").asText();
        if (("any".equals(forced) || "tool".equals(forced))
                && ThinkingModels.refusesForcedToolUse(request.path("model").asText())) {
            return "tool_choice: forced tool use is not supported for this model. Use tool_choice auto or none";
        }
        JsonNode format = request.path("output_config").get("format");
        if (format != null) {
            if (!"json_schema".equals(format.path("type").asText())) {
                return "output_config.format.type: Input should be 'json_schema'";
            }
            String schema = ThinkingModels.outputSchemaRefusal(format.get("schema"));
            if (schema != null) {
                return schema;
            }
        }
        JsonNode messages = request.path("messages");
        if (!messages.isArray()) {
            return "messages: Field required";
        }
        if (messages.isEmpty()) {
            return "messages: at least one message is required";
        }
        String conversation = conversation(messages, request.path("tools").isArray());
        if (conversation == null && request.has("thinking")) {
            conversation = thinkingBeforeToolUse(messages);
        }
        if (conversation == null) {
            conversation = cacheBreakpoints(request);
        }
        return conversation != null ? conversation : prefill(messages.get(messages.size() - 1));
    }

    /**
     * Thinking in the form the model takes ({@link ThinkingModels}): adaptive at an effort it has, or a budget of at
     * least 1024 tokens under max_tokens; and none of what Anthropic documents as incompatible with thinking (a
     * temperature other than 1, a top_p under 0.95, and with a budget a forced tool choice).
     */
    private static String thinking(JsonNode request) {
        JsonNode thinking = request.get("thinking");
        if (thinking == null) {
            return null;
        }
        JsonNode effort = request.path("output_config").get("effort");
        String refused = ThinkingModels.refusal(request.path("model").asText(), thinking.path("type").asText(),
                effort == null ? null : effort.asText());
        if (refused != null) {
            return refused;
        }
        if (thinking.has("display") && !Set.of("summarized", "omitted").contains(thinking.path("display").asText())) {
            return "thinking." + thinking.path("type").asText() + ".display: Input should be 'summarized' or 'omitted'";
        }
        if ("adaptive".equals(thinking.path("type").asText())) {
            return thinking.has("budget_tokens") ? "thinking.adaptive.budget_tokens: Extra inputs are not permitted"
                    : sampling(request);
        }
        if (!"enabled".equals(thinking.path("type").asText()) || !thinking.path("budget_tokens").isIntegralNumber()) {
            return "thinking: Input should be {\"type\": \"enabled\", \"budget_tokens\": int}";
        }
        int budget = thinking.path("budget_tokens").asInt();
        if (budget < 1024) {
            return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
        }
        if (request.path("max_tokens").asInt() <= budget) {
            return "`max_tokens` must be greater than `thinking.budget_tokens`.";
        }
        String sampling = sampling(request);
        if (sampling != null) {
            return sampling;
        }
        String choice = request.path("tool_choice").path("type").asText();
        if ("any".equals(choice) || "tool".equals(choice)) {
            return "Thinking may not be enabled when tool_choice forces tool use.";
        }
        return null;
    }

    /** The sampling Claude takes with thinking on, in either form: temperature 1 alone, top_p from 0.95. */
    private static String sampling(JsonNode request) {
        if (request.has("temperature") && request.path("temperature").asDouble() != 1.0) {
            return "`temperature` may only be set to 1 when thinking is enabled.";
        }
        if (request.has("top_p") && request.path("top_p").asDouble() < 0.95) {
            return "`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled.";
        }
        return null;
    }

    /**
     * With thinking on, the assistant turn whose tool use the last turn answers must begin with its thinking block (as
     * the model wrote it), or the model cannot go on thinking from where it was.
     */
    private static String thinkingBeforeToolUse(JsonNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode message = messages.get(i);
            if (!"assistant".equals(message.path("role").asText())) {
                continue;
            }
            boolean usesTools = false;
            for (JsonNode block : message.path("content")) {
                usesTools |= "tool_use".equals(block.path("type").asText());
            }
            String first = message.path("content").path(0).path("type").asText();
            if (usesTools && !"thinking".equals(first) && !"redacted_thinking".equals(first)) {
                return "messages." + i + ".content.0.type: Expected `thinking` or `redacted_thinking`, but found `"
                        + first + "`. When `thinking` is enabled, a final `assistant` message must start with a "
                        + "thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks).";
            }
            return null;
        }
        return null;
    }

    /**
     * cache_control goes on blocks and tools (not on a message), four of them at most, and none kept for an hour after
     * one kept for five minutes, in the order tools, system, messages.
     */
    private static String cacheBreakpoints(JsonNode request) {
        Map<String, JsonNode> marked = new LinkedHashMap<>();
        JsonNode tools = request.path("tools");
        for (int t = 0; t < tools.size(); t++) {
            markedBy(marked, "tools." + t, tools.get(t));
        }
        JsonNode system = request.path("system");
        for (int b = 0; system.isArray() && b < system.size(); b++) {
            markedBy(marked, "system." + b, system.get(b));
        }
        JsonNode messages = request.path("messages");
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).has("cache_control")) {
                return "messages." + i + ".cache_control: Extra inputs are not permitted";
            }
            JsonNode content = messages.get(i).path("content");
            for (int b = 0; content.isArray() && b < content.size(); b++) {
                markedBy(marked, "messages." + i + ".content." + b, content.get(b));
            }
        }
        if (marked.size() > 4) {
            return "A maximum of 4 blocks with cache_control may be provided. Found " + marked.size() + ".";
        }
        boolean fiveMinutesSeen = false;
        for (Map.Entry<String, JsonNode> control : marked.entrySet()) {
            boolean anHour = "1h".equals(control.getValue().path("ttl").asText());
            if (anHour && fiveMinutesSeen) {
                return control.getKey() + ".cache_control.ttl: a ttl='1h' cache_control block must not come after a "
                        + "ttl='5m' cache_control block. Note that blocks are processed in the following order: "
                        + "`tools`, `system`, `messages`.";
            }
            fiveMinutesSeen |= !anHour;
        }
        return null;
    }

    private static void markedBy(Map<String, JsonNode> marked, String path, JsonNode block) {
        if (block.has("cache_control")) {
            marked.put(path, block.get("cache_control"));
        }
    }

    /** A final assistant turn (a prefill) must not end in whitespace (Python's, so no-break spaces count). */
    private static String prefill(JsonNode last) {
        JsonNode content = last.path("content");
        JsonNode end = content.isArray() ? content.path(content.size() - 1) : content;
        String text = end.isTextual() ? end.asText() : end.path("text").asText("");
        boolean trailing = !text.isEmpty() && isSpace(text.codePointBefore(text.length()));
        return "assistant".equals(last.path("role").asText()) && trailing
                ? "messages: final assistant content cannot end with trailing whitespace" : null;
    }

    static boolean isSpace(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint);
    }

    /** A tool choice needs tools, and one naming a tool needs that tool. */
    private static String toolChoice(JsonNode choice, List<String> toolNames) {
        if (choice.isMissingNode()) {
            return null;
        }
        if (toolNames.isEmpty()) {
            return "tool_choice: tool_choice may only be specified while providing tools.";
        }
        if ("tool".equals(choice.path("type").asText()) && !toolNames.contains(choice.path("name").asText())) {
            return "tool_choice.name: Tool '" + choice.path("name").asText() + "' not found in provided tools";
        }
        return null;
    }

    /**
     * Roles alternate from a user turn; each tool_use is answered by a tool_result in the next turn; tool blocks need
     * tools defined.
     */
    private static String conversation(JsonNode messages, boolean toolsDefined) {
        List<String> openToolUses = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String role = message.path("role").asText();
            String problem = role(i, role, i == 0 ? null : messages.get(i - 1).path("role").asText());
            if (problem != null) {
                return problem;
            }
            List<String> results = new ArrayList<>();
            List<String> uses = new ArrayList<>();
            problem = blocks(i, role, message.path("content"), results, uses);
            if (problem != null) {
                return problem;
            }
            problem = toolResultsAnswer(i, openToolUses, results);
            if (problem != null) {
                return problem;
            }
            if ((!uses.isEmpty() || !results.isEmpty()) && !toolsDefined) {
                return "Requests which include `tool_use` or `tool_result` blocks must define tools.";
            }
            openToolUses = uses;
        }
        return null;
    }

    private static String role(int i, String role, String previous) {
        if ("system".equals(role)) {
            return "messages: Unexpected role \"system\". The Messages API accepts a top-level `system` "
                    + "parameter, not \"system\" as an input message role.";
        }
        if (!"user".equals(role) && !"assistant".equals(role)) {
            return "messages." + i + ".role: Input should be 'user' or 'assistant'";
        }
        if (previous == null && !"user".equals(role)) {
            return "messages: first message must use the \"user\" role";
        }
        if (role.equals(previous)) {
            return "messages: roles must alternate between \"user\" and \"assistant\", but found multiple \""
                    + role + "\" roles in a row";
        }
        return null;
    }

    /** Checks one turn's content blocks and collects its tool_result and tool_use ids. */
    private static String blocks(int i, String role, JsonNode content, List<String> results, List<String> uses) {
        if (!content.isTextual() && !content.isArray()) {
            return "messages." + i + ".content: Input should be a valid string or list";
        }
        boolean otherBlockSeen = false;
        for (int b = 0; content.isArray() && b < content.size(); b++) {
            JsonNode block = content.get(b);
            String at = "messages." + i + ".content." + b;
            switch (block.path("type").asText()) {
                case "tool_result" -> {
                    if (otherBlockSeen) {
                        return at + ": tool_result blocks must come first";
                    }
                    results.add(block.path("tool_use_id").asText());
                }
                case "tool_use" -> {
                    if (!"assistant".equals(role)) {
                        return at + ": tool_use blocks are for assistant turns";
                    }
                    if (!block.path("input").isObject()) {
                        return at + ".input: Input should be a valid dictionary";
                    }
                    uses.add(block.path("id").asText());
                    otherBlockSeen = true;
                }
                case "text" -> {
                    if (!block.path("text").isTextual()) {
                        return at + ".text: Field required";
                    }
                    otherBlockSeen = true;
                }
                case "image" -> otherBlockSeen = true;
                case "thinking", "redacted_thinking" -> {
                    if (!"assistant".equals(role)) {
                        return at + ": thinking blocks are for assistant turns";
                    }
                    boolean whole = "thinking".equals(block.path("type").asText())
                            ? block.path("thinking").isTextual() && block.path("signature").isTextual()
                            : block.path("data").isTextual();
                    if (!whole) {
                        return at + ": a thinking block needs its thinking and signature, a redacted one its data";
                    }
                    otherBlockSeen = true;
                }
                default -> {
                    return at + ": unknown block type " + block.path("type").asText();
                }
            }
        }
        return null;
    }

    private static String toolResultsAnswer(int i, List<String> openToolUses, List<String> results) {
        if (!openToolUses.isEmpty() && !results.containsAll(openToolUses)) {
            return "messages." + i + ": `tool_use` ids were found without `tool_result` blocks immediately after: "
                    + String.join(", ", openToolUses) + ". Each `tool_use` block must have a corresponding "
                    + "`tool_result` block in the next message.";
        }
        for (String result : results) {
            if (!openToolUses.contains(result)) {
                return "messages." + i + ".content: unexpected `tool_use_id` found in `tool_result` blocks: "
                        + result + ". Each `tool_result` block must have a corresponding `tool_use` block in the "
                        + "previous message.";
            }
        }
        return null;
    }
}
