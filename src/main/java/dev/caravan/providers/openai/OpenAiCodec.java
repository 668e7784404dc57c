package dev.caravan.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.api.Json;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.ContentPart;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ToolCall;
import dev.caravan.core.ToolDefinition;
import dev.caravan.providers.HttpProviderCodec;
import dev.caravan.providers.StreamDecoder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * OpenAI Chat Completions. A request that came in OpenAI's shape is forwarded as the caller wrote it (every field
 * Caravan does not need to understand included), with the served model and, for streams, usage always requested.
 * The caller's {@code cache_control} markers (Anthropic's prompt caching) are left out: OpenAI caches long prompts by
 * itself and refuses parameters it does not know; so are the {@code thinking_blocks} and {@code reasoning_content} an
 * assistant message carries back from a Claude answer (a conversation that moved to OpenAI, a fallback).
 */
public final class OpenAiCodec implements HttpProviderCodec {

    /** What a message or tool may carry in the gateway's shape that OpenAI refuses. */
    private static final List<String> GATEWAY_FIELDS = List.of("cache_control", "thinking_blocks", "reasoning_content");

    @Override
    public String provider() {
        return "openai";
    }

    @Override
    public byte[] encodeRequest(ChatRequest request, String upstreamModel) {
        // A shallow copy: only top-level fields change, so the caller's (possibly large) messages are shared, not copied.
        ObjectNode body = request.original() != null ? request.original().objectNode().setAll(request.original())
                : fromNormalized(request);
        body.put("model", upstreamModel);
        if ((request.cacheBreakpoints() || request.reasoningSentBack()) && request.original() != null) {
            withoutGatewayFields(body);
        }
        if (request.stream()) {
            body.put("stream", true);
            // Keep the caller's other stream options (include_obfuscation...); only usage is forced on.
            JsonNode options = body.get("stream_options");
            ObjectNode forced = options instanceof ObjectNode object ? object.deepCopy() : body.objectNode();
            body.set("stream_options", forced.put("include_usage", true));
        } else {
            body.remove("stream_options");
        }
        return Json.write(body);
    }

    /**
     * The messages and tools as copies without what the gateway's convention adds to OpenAI's shape and OpenAI refuses:
     * cache_control, and a message's thinking_blocks and reasoning_content (Claude's reasoning as the caller got it).
     * The caller's JSON stays as it came.
     */
    private static void withoutGatewayFields(ObjectNode body) {
        for (String field : List.of("messages", "tools")) {
            if (body.get(field) instanceof ArrayNode list) {
                ArrayNode copy = list.deepCopy();
                for (JsonNode item : copy) {
                    remove(item, GATEWAY_FIELDS);
                    item.path("content").forEach(part -> remove(part, List.of("cache_control")));
                }
                body.set(field, copy);
            }
        }
    }

    private static void remove(JsonNode node, List<String> fields) {
        if (node instanceof ObjectNode object) {
            object.remove(fields);
        }
    }

    private static ObjectNode fromNormalized(ChatRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage message : request.messages()) {
            messages.add(message(message));
        }
        if (request.maxTokens() != null) {
            body.put("max_completion_tokens", request.maxTokens());
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        if (request.topP() != null) {
            body.put("top_p", request.topP());
        }
        if (!request.stop().isEmpty()) {
            request.stop().forEach(body.putArray("stop")::add);
        }
        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolDefinition tool : request.tools()) {
                ObjectNode function = tools.addObject().put("type", "function").putObject("function");
                function.put("name", tool.name());
                if (tool.description() != null) {
                    function.put("description", tool.description());
                }
                if (tool.parameters() != null) {
                    function.set("parameters", tool.parameters());
                }
            }
        }
        if (request.toolChoice() != null) {
            if ("function".equals(request.toolChoice().mode())) {
                body.putObject("tool_choice").put("type", "function").putObject("function")
                        .put("name", request.toolChoice().functionName());
            } else {
                body.put("tool_choice", request.toolChoice().mode());
            }
        }
        if (request.user() != null) {
            body.put("user", request.user());
        }
        return body;
    }

    private static ObjectNode message(ChatMessage message) {
        ObjectNode node = Json.MAPPER.createObjectNode().put("role", message.role());
        boolean textOnly = message.content().stream().allMatch(ContentPart::isText);
        if (message.content().isEmpty()) {
            node.putNull("content");
        } else if (textOnly) {
            node.put("content", message.text());
        } else {
            ArrayNode parts = node.putArray("content");
            for (ContentPart part : message.content()) {
                if (part.isText()) {
                    parts.addObject().put("type", "text").put("text", part.text());
                } else {
                    parts.addObject().put("type", "image_url").putObject("image_url").put("url", part.imageUrl());
                }
            }
        }
        if (!message.toolCalls().isEmpty()) {
            ArrayNode calls = node.putArray("tool_calls");
            for (ToolCall call : message.toolCalls()) {
                calls.addObject().put("id", call.id()).put("type", "function").putObject("function")
                        .put("name", call.name()).put("arguments", call.arguments());
            }
        }
        if (message.toolCallId() != null) {
            node.put("tool_call_id", message.toolCallId());
        }
        if (message.name() != null) {
            node.put("name", message.name());
        }
        return node;
    }

    @Override
    public ChatResponse decodeResponse(byte[] body) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw GatewayException.upstreamUnavailable("openai", "the answer is not valid JSON");
        }
        JsonNode choice = root.path("choices").path(0);
        if (root == null || choice.isMissingNode()) {
            throw GatewayException.upstreamUnavailable("openai", "the answer has no choices");
        }
        JsonNode message = choice.path("message");
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            calls.add(new ToolCall(call.path("id").asText(), call.path("function").path("name").asText(),
                    call.path("function").path("arguments").asText("{}")));
        }
        String content = message.path("content").isTextual() ? message.path("content").asText() : null;
        String refusal = message.path("refusal").isTextual() ? message.path("refusal").asText() : null;
        return new ChatResponse(root.path("id").asText(null), root.path("model").asText(null), content, calls,
                choice.path("finish_reason").asText("stop"), OpenAiUsage.read(root.path("usage")), refusal,
                OpenAiPassThrough.ofAnswer(choice, message));
    }

    @Override
    public GatewayException decodeError(int status, byte[] body, Function<String, String> header) {
        return OpenAiErrors.map(status, body, header);
    }

    @Override
    public StreamDecoder newStreamDecoder() {
        return new OpenAiStreamDecoder();
    }
}
