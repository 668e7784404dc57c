package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.CacheBreakpoint;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ContentPart;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ReasoningEffort;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.ToolCall;
import dev.caravan.core.ToolChoice;
import dev.caravan.core.ToolDefinition;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads and validates an OpenAI Chat Completions request body into the normalized {@link ChatRequest}, with the
 * prompt-caching breakpoints ({@code cache_control}) its parts, messages and tools carry.
 */
public final class OpenAiRequestParser {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    public ChatRequest parse(byte[] body) {
        ObjectNode root = Json.readObject(body);
        String model = FieldReader.requiredString(root, "model", "model");
        CacheControlReader cache = new CacheControlReader();
        JsonNode messageArray = FieldReader.nonEmptyArray(root, "messages");
        List<ChatMessage> messages = messages(messageArray, cache);
        Integer maxTokens = FieldReader.positiveInt(root, "max_completion_tokens");
        Integer legacyMax = FieldReader.positiveInt(root, "max_tokens");
        Integer n = FieldReader.positiveInt(root, "n");
        if (n != null && n > 1) {
            throw GatewayException.invalidRequest("n", "'n' greater than 1 is not supported by this gateway");
        }
        FieldReader.oneOf(root, ReasoningEffort.FIELD, ReasoningEffort.VALUES);
        boolean stream = FieldReader.bool(root, "stream", "stream");
        boolean includeUsage = false;
        JsonNode options = root.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw GatewayException.invalidRequest("stream_options", "'stream_options' must be an object");
            }
            includeUsage = FieldReader.bool(options, "include_usage", "stream_options.include_usage");
        }
        List<ToolDefinition> tools = tools(root.get("tools"), cache);
        if (cache.any()) {
            SentBreakpoints.check(messages, tools);
        }
        return new ChatRequest(model, messages, maxTokens != null ? maxTokens : legacyMax,
                FieldReader.number(root, "temperature", 0, 2), FieldReader.number(root, "top_p", 0, 1),
                FieldReader.stop(root), stream, includeUsage, tools, toolChoice(root.get("tool_choice")),
                FieldReader.optionalString(root, "user", "user"), root, cache.any(),
                reasoningSentBack(messageArray, messages));
    }

    /** Whether an assistant message carries Claude's reasoning as an answer had it (for OpenAI, which refuses it). */
    private static boolean reasoningSentBack(JsonNode array, List<ChatMessage> messages) {
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).thinking().isEmpty() || array.get(i).has("reasoning_content")) {
                return true;
            }
        }
        return false;
    }

    private static List<ChatMessage> messages(JsonNode array, CacheControlReader cache) {
        List<ChatMessage> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            out.add(message(array.get(i), "messages[" + i + "]", cache));
        }
        return out;
    }

    private static ChatMessage message(JsonNode node, String path, CacheControlReader cache) {
        if (!node.isObject()) {
            throw GatewayException.invalidRequest(path, "'" + path + "' must be an object");
        }
        String role = FieldReader.requiredString(node, "role", path + ".role");
        if (!ROLES.contains(role)) {
            throw GatewayException.invalidRequest(path + ".role", "'" + path + ".role' must be one of system, "
                    + "developer, user, assistant, tool; got '" + role + "'");
        }
        List<ToolCall> toolCalls = "assistant".equals(role) ? toolCalls(node.get("tool_calls"), path) : List.of();
        List<ContentPart> content = content(node.get("content"), path + ".content", !toolCalls.isEmpty(), cache);
        String toolCallId = null;
        if ("tool".equals(role)) {
            toolCallId = FieldReader.requiredString(node, "tool_call_id", path + ".tool_call_id");
        }
        List<ThinkingBlock> thinking = "assistant".equals(role) ? thinkingBlocks(node.get("thinking_blocks"), path)
                : List.of();
        return new ChatMessage(role, content, toolCalls, toolCallId,
                FieldReader.optionalString(node, "name", path + ".name"), cache.read(node, path), thinking);
    }

    private static List<ContentPart> content(JsonNode node, String path, boolean mayBeEmpty,
                                             CacheControlReader cache) {
        if (node == null || node.isNull()) {
            if (mayBeEmpty) {
                return List.of();
            }
            throw GatewayException.invalidRequest(path, "Missing required parameter: '" + path + "'");
        }
        if (node.isTextual()) {
            return List.of(ContentPart.text(node.asText()));
        }
        if (!node.isArray()) {
            throw GatewayException.invalidRequest(path, "'" + path + "' must be a string or an array of parts");
        }
        if (node.isEmpty() && !mayBeEmpty) {
            throw GatewayException.invalidRequest(path, "'" + path + "' must not be an empty array");
        }
        List<ContentPart> parts = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            parts.add(part(node.get(i), path + "[" + i + "]", cache));
        }
        return parts;
    }

    private static ContentPart part(JsonNode node, String path, CacheControlReader cache) {
        if (!node.isObject()) {
            throw GatewayException.invalidRequest(path, "'" + path + "' must be an object");
        }
        String type = FieldReader.requiredString(node, "type", path + ".type");
        ContentPart part = switch (type) {
            case "text" -> ContentPart.text(FieldReader.requiredString(node, "text", path + ".text"));
            case "image_url" -> {
                JsonNode image = node.get("image_url");
                if (image == null || !image.isObject()) {
                    throw GatewayException.invalidRequest(path + ".image_url", "'" + path + ".image_url' must be an "
                            + "object with a url");
                }
                yield ContentPart.image(FieldReader.requiredString(image, "url", path + ".image_url.url"));
            }
            default -> throw GatewayException.invalidRequest(path + ".type", "'" + path + ".type' must be text or "
                    + "image_url; got '" + type + "'");
        };
        CacheBreakpoint breakpoint = cache.read(node, path);
        return breakpoint == null ? part : part.withCache(breakpoint);
    }

    private static List<ToolCall> toolCalls(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw GatewayException.invalidRequest(path + ".tool_calls", "'" + path + ".tool_calls' must be an array");
        }
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String at = path + ".tool_calls[" + i + "]";
            JsonNode call = node.get(i);
            JsonNode function = call.get("function");
            if (!call.isObject() || function == null || !function.isObject()) {
                throw GatewayException.invalidRequest(at, "'" + at + "' must be an object with a function");
            }
            String arguments = FieldReader.optionalString(function, "arguments", at + ".function.arguments");
            calls.add(new ToolCall(FieldReader.requiredString(call, "id", at + ".id"),
                    FieldReader.requiredString(function, "name", at + ".function.name"),
                    arguments == null ? "{}" : arguments));
        }
        return calls;
    }

    /**
     * An assistant turn's {@code thinking_blocks} as the caller got them with Claude's answer: thinking blocks with
     * their signature, redacted ones with their data. They are sent back unchanged, so each must be whole.
     */
    private static List<ThinkingBlock> thinkingBlocks(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw GatewayException.invalidRequest(path + ".thinking_blocks", "'" + path
                    + ".thinking_blocks' must be an array");
        }
        List<ThinkingBlock> blocks = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String at = path + ".thinking_blocks[" + i + "]";
            JsonNode block = node.get(i);
            if (!block.isObject()) {
                throw GatewayException.invalidRequest(at, "'" + at + "' must be an object");
            }
            String type = FieldReader.requiredString(block, "type", at + ".type");
            blocks.add(switch (type) {
                case ThinkingBlock.THINKING -> ThinkingBlock.thinking(
                        FieldReader.optionalString(block, "thinking", at + ".thinking"),
                        FieldReader.requiredString(block, "signature", at + ".signature"));
                case ThinkingBlock.REDACTED -> ThinkingBlock.redacted(
                        FieldReader.requiredString(block, "data", at + ".data"));
                default -> throw GatewayException.invalidRequest(at + ".type", "'" + at + ".type' must be thinking "
                        + "or redacted_thinking; got '" + type + "'");
            });
        }
        return blocks;
    }

    private static List<ToolDefinition> tools(JsonNode node, CacheControlReader cache) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw GatewayException.invalidRequest("tools", "'tools' must be an array");
        }
        List<ToolDefinition> tools = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String at = "tools[" + i + "]";
            JsonNode tool = node.get(i);
            JsonNode function = tool.get("function");
            if (!tool.isObject() || !"function".equals(tool.path("type").asText()) || function == null
                    || !function.isObject()) {
                throw GatewayException.invalidRequest(at, "'" + at + "' must be {\"type\":\"function\",\"function\":{...}}");
            }
            JsonNode parameters = function.get("parameters");
            if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
                throw GatewayException.invalidRequest(at + ".function.parameters", "'" + at
                        + ".function.parameters' must be a JSON Schema object");
            }
            tools.add(new ToolDefinition(FieldReader.requiredString(function, "name", at + ".function.name"),
                    FieldReader.optionalString(function, "description", at + ".function.description"), parameters,
                    cache.read(tool, at)));
        }
        return tools;
    }

    private static ToolChoice toolChoice(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            switch (node.asText()) {
                case "auto":
                    return ToolChoice.AUTO;
                case "none":
                    return ToolChoice.NONE;
                case "required":
                    return ToolChoice.REQUIRED;
                default:
                    throw GatewayException.invalidRequest("tool_choice", "'tool_choice' must be auto, none, required "
                            + "or a function");
            }
        }
        String name = node.path("function").path("name").asText("");
        if (!node.isObject() || name.isEmpty()) {
            throw GatewayException.invalidRequest("tool_choice", "'tool_choice' must name a function");
        }
        return ToolChoice.function(name);
    }
}
