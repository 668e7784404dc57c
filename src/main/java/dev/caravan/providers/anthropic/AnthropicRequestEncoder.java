package dev.caravan.providers.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.AdaptiveThinking;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ClosedSchema;
import dev.caravan.core.ForcedToolUse;
import dev.caravan.core.GatewayException;
import dev.caravan.core.JsonAnswerTool;
import dev.caravan.core.ReasoningEffort;
import dev.caravan.core.SamplingParameters;
import dev.caravan.core.ToolChoice;
import dev.caravan.core.ToolDefinition;
import dev.caravan.core.ToolTurnsAsText;
import dev.caravan.core.WhitespaceStops;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.ToIntFunction;

/** A normalized request as the body of Anthropic's {@code POST /v1/messages}. */
final class AnthropicRequestEncoder {

    private final ObjectMapper json;
    private final AnthropicMessageEncoder messages;
    private final ToIntFunction<String> defaultMaxTokens;

    AnthropicRequestEncoder(ObjectMapper json, ToIntFunction<String> defaultMaxTokens) {
        this.json = json;
        this.messages = new AnthropicMessageEncoder(json);
        this.defaultMaxTokens = defaultMaxTokens;
    }

    byte[] encode(ChatRequest request, String upstreamModel) {
        ObjectNode body = json.createObjectNode();
        body.put("model", upstreamModel);
        // Anthropic requires max_tokens (OpenAI callers often leave it out); thinking counts in it
        body.put("max_tokens", ReasoningEffort.claudeMaxTokens(request,
                () -> defaultMaxTokens.applyAsInt(upstreamModel)));
        Integer thinking = ReasoningEffort.budget(request);
        if (thinking != null) {
            putThinking(body, request, upstreamModel, thinking);
        }
        JsonAnswerTool answer = ForcedToolUse.outputFormat(request, upstreamModel);
        if (answer != null) {
            // a model that takes no forced tool call gets structured outputs as its own output format
            body.withObjectProperty("output_config").putObject("format").put("type", "json_schema")
                    .set("schema", ClosedSchema.of(answer.schema()));
        }
        JsonNode system = messages.system(request.messages(), request.cacheBreakpoints());
        if (system != null) {
            body.set("system", system);
        }
        // Anthropic refuses tool_use and tool_result blocks in a request that defines no tools (OpenAI allows a
        // follow-up without them): then the earlier tool turns go as text.
        body.set("messages", messages.messages(request.tools().isEmpty()
                ? ToolTurnsAsText.rewrite(request.messages()) : request.messages()));
        putSampling(body, request, upstreamModel);
        if (request.user() != null && !request.user().isBlank()) {
            body.putObject("metadata").put("user_id", request.user());
        }
        if (!request.tools().isEmpty()) {
            body.set("tools", tools(request));
            ObjectNode choice = request.toolChoice() == null ? null : toolChoice(request.toolChoice());
            if (oneCallAtATime(request) && !(choice != null && "none".equals(choice.path("type").asText()))) {
                choice = choice == null ? json.createObjectNode().put("type", "auto") : choice;
                choice.put("disable_parallel_tool_use", true);
            }
            if (choice != null) {
                body.set("tool_choice", choice);
            }
        }
        if (request.stream()) {
            body.put("stream", true);
        }
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException impossible) {
            throw new UncheckedIOException(impossible);
        }
    }

    /**
     * Adaptive thinking at the request's effort for a model that takes it (Claude 4.6 and later decide how much to
     * think themselves), else extended thinking within the budget. A model that leaves its thinking text out unless
     * asked (Opus 4.7 and later) is asked for it summarized, so reasoning_content keeps holding it.
     */
    private static void putThinking(ObjectNode body, ChatRequest request, String upstreamModel, int budget) {
        if (AdaptiveThinking.takes(upstreamModel)) {
            ObjectNode thinking = body.putObject("thinking").put("type", "adaptive");
            if (AdaptiveThinking.omitsThinkingByDefault(upstreamModel)) {
                thinking.put("display", "summarized");
            }
            body.putObject("output_config").put("effort",
                    AdaptiveThinking.effort(ReasoningEffort.effort(request), upstreamModel));
        } else {
            body.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
        }
    }

    /** OpenAI's {@code parallel_tool_calls: false}, which Anthropic says on the tool choice. */
    private static boolean oneCallAtATime(ChatRequest request) {
        JsonNode parallel = request.original() == null ? null : request.original().get("parallel_tool_calls");
        return parallel != null && parallel.isBoolean() && !parallel.asBoolean();
    }

    private void putSampling(ObjectNode body, ChatRequest request, String upstreamModel) {
        // Opus 4.7 and later refuse temperature and top_p outright: they are left out there (SamplingParameters).
        boolean sampled = SamplingParameters.takenBy(upstreamModel);
        if (sampled && request.temperature() != null) {
            // OpenAI's scale goes to 2, Anthropic's stops at 1 and refuses more: above 1 is sent as Anthropic's most.
            body.put("temperature", Math.min(1.0, request.temperature()));
        }
        // Newer models (Sonnet 4.5, Haiku 4.5, Opus 4.1 and on) refuse temperature and top_p together, and Anthropic
        // advises setting one of them on every model; OpenAI callers often send both: the temperature is kept.
        if (sampled && request.topP() != null && request.temperature() == null) {
            body.put("top_p", request.topP());
        }
        // Anthropic refuses a whitespace-only stop sequence (OpenAI takes "\n"): it is left out, the others kept.
        List<String> stops = WhitespaceStops.sentUpstream(request);
        if (!stops.isEmpty()) {
            ArrayNode sequences = body.putArray("stop_sequences");
            stops.forEach(sequences::add);
        }
    }

    private ArrayNode tools(ChatRequest request) {
        ArrayNode tools = json.createArrayNode();
        for (ToolDefinition definition : request.tools()) {
            ObjectNode tool = tools.addObject();
            tool.put("name", definition.name());
            if (definition.description() != null) {
                tool.put("description", definition.description());
            }
            tool.set("input_schema", inputSchema(definition.parameters()));
            if (definition.cache() != null) {
                tool.set("cache_control", messages.cacheControl(definition.cache()));
            }
        }
        return tools;
    }

    /** A function without parameters still needs an object schema on Anthropic. */
    private JsonNode inputSchema(JsonNode parameters) {
        if (parameters != null && !parameters.isNull() && !parameters.isMissingNode()) {
            return parameters;
        }
        ObjectNode empty = json.createObjectNode();
        empty.put("type", "object");
        empty.putObject("properties");
        return empty;
    }

    private ObjectNode toolChoice(ToolChoice choice) {
        ObjectNode node = json.createObjectNode();
        switch (choice.mode() == null ? "" : choice.mode()) {
            case "auto" -> node.put("type", "auto");
            case "required" -> node.put("type", "any");
            case "none" -> node.put("type", "none");
            case "function" -> node.put("type", "tool").put("name", choice.functionName());
            default -> throw GatewayException.invalidRequest("tool_choice",
                    "unsupported tool_choice: " + choice.mode());
        }
        return node;
    }
}
