package dev.caravan.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.CacheBreakpoint;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ContentPart;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.ToolCall;
import dev.caravan.core.Whitespace;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * An OpenAI-style conversation as Anthropic's {@code system} and {@code messages}: system turns hoisted out, tool
 * turns sent as {@code tool_result} blocks of a user turn, and neighbouring turns of one role merged, because
 * Anthropic wants user and assistant to alternate. A caller's cache breakpoint goes on the block it marks as
 * {@code cache_control}: a part's on that part's block, a message's on the message's last block, a tool message's on
 * its tool_result block.
 */
final class AnthropicMessageEncoder {

    private final ObjectMapper json;

    AnthropicMessageEncoder(ObjectMapper json) {
        this.json = json;
    }

    /**
     * The system and developer messages' text joined by blank lines, or null when there is none; as text blocks when
     * one of them carries a cache breakpoint, since only a block can carry one.
     */
    JsonNode system(List<ChatMessage> messages, boolean cacheBreakpoints) {
        if (cacheBreakpoints && messages.stream().anyMatch(m -> m.isSystem() && m.anyCache() != null)) {
            ArrayNode blocks = json.createArrayNode();
            for (ChatMessage message : messages) {
                if (message.isSystem()) {
                    List<ContentPart> text = message.content().stream().filter(ContentPart::isText).toList();
                    blocks.addAll(marked(contentBlocks(text), message.cache()));
                }
            }
            return blocks.isEmpty() ? null : blocks;
        }
        String joined = joinedSystem(messages);
        return joined == null ? null : json.getNodeFactory().textNode(joined);
    }

    private static String joinedSystem(List<ChatMessage> messages) {
        String joined = messages.stream()
                .filter(ChatMessage::isSystem)
                .map(ChatMessage::text)
                .filter(text -> !text.isBlank())
                .collect(Collectors.joining("\n\n"));
        return joined.isEmpty() ? null : joined;
    }

    /** Every turn but the system ones, as alternating user and assistant messages with content blocks. */
    ArrayNode messages(List<ChatMessage> messages) {
        ArrayNode out = json.createArrayNode();
        ObjectNode last = null;
        for (ChatMessage message : messages) {
            if (message.isSystem()) {
                continue;
            }
            String role = "assistant".equals(message.role()) ? "assistant" : "user";
            ArrayNode blocks = marked(blocks(message), message.cache());
            if (blocks.isEmpty()) {
                // Anthropic refuses a turn without content; its neighbours of one role are merged instead
                continue;
            }
            if (last != null && role.equals(last.get("role").asText())) {
                ((ArrayNode) last.get("content")).addAll(blocks);
            } else {
                last = out.addObject();
                last.put("role", role);
                last.set("content", blocks);
            }
        }
        out.forEach(turn -> putToolResultsFirst((ArrayNode) turn.get("content")));
        trimPrefill(out);
        return out;
    }

    /**
     * Anthropic refuses a final assistant turn (a prefill) whose text ends in whitespace; OpenAI takes it. Its last
     * text block is sent without that whitespace (never empty: blocks of whitespace alone are already left out).
     */
    private static void trimPrefill(ArrayNode turns) {
        JsonNode last = turns.path(turns.size() - 1);
        if (!"assistant".equals(last.path("role").asText())) {
            return;
        }
        for (int i = last.get("content").size() - 1; i >= 0; i--) {
            JsonNode block = last.get("content").get(i);
            if ("text".equals(block.path("type").asText())) {
                ((ObjectNode) block).put("text", Whitespace.stripTrailing(block.path("text").asText()));
                return;
            }
        }
    }

    /** {@code blocks} with the message's breakpoint on the last of them, unless its part's own marks it already. */
    private ArrayNode marked(ArrayNode blocks, CacheBreakpoint messageBreakpoint) {
        JsonNode last = blocks.path(blocks.size() - 1);
        if (messageBreakpoint != null && last instanceof ObjectNode block && !block.has("cache_control")) {
            block.set("cache_control", cacheControl(messageBreakpoint));
        }
        return blocks;
    }

    /** Anthropic's {@code cache_control}: ephemeral, with the caller's ttl when one was given. */
    ObjectNode cacheControl(CacheBreakpoint breakpoint) {
        ObjectNode control = json.createObjectNode().put("type", "ephemeral");
        return breakpoint.ttl() == null ? control : control.put("ttl", breakpoint.ttl());
    }

    private ArrayNode blocks(ChatMessage message) {
        return switch (message.role() == null ? "" : message.role()) {
            case "user" -> contentBlocks(message.content());
            case "assistant" -> assistantBlocks(message);
            case "tool" -> json.createArrayNode().add(toolResult(message));
            default -> throw GatewayException.invalidRequest("messages",
                    "unsupported message role: " + message.role());
        };
    }

    /** The turn's thinking blocks first, as Claude wrote them (signature or data unchanged), then its text and calls. */
    private ArrayNode assistantBlocks(ChatMessage message) {
        ArrayNode blocks = json.createArrayNode();
        for (ThinkingBlock thinking : message.thinking()) {
            blocks.add(thinking.toJson());
        }
        blocks.addAll(contentBlocks(message.content()));
        for (ToolCall call : message.toolCalls()) {
            ObjectNode block = blocks.addObject();
            block.put("type", "tool_use");
            block.put("id", call.id());
            block.put("name", call.name());
            block.set("input", call.argumentsObject());
        }
        return blocks;
    }

    /**
     * Anthropic refuses an empty text block, and one of whitespace alone; OpenAI takes both (an SDK sends back the
     * {@code ""} of an empty answer or of a turn that only called tools), so they are left out.
     */
    private ArrayNode contentBlocks(List<ContentPart> parts) {
        ArrayNode blocks = json.createArrayNode();
        for (ContentPart part : parts) {
            if (!part.isBlock()) {
                continue;
            }
            ObjectNode block = part.isText() ? json.createObjectNode().put("type", "text").put("text", part.text())
                    : image(part.imageUrl());
            blocks.add(block);
            if (part.cache() != null) {
                block.set("cache_control", cacheControl(part.cache()));
            }
        }
        return blocks;
    }

    private ObjectNode toolResult(ChatMessage message) {
        ObjectNode block = json.createObjectNode();
        block.put("type", "tool_result");
        block.put("tool_use_id", message.toolCallId());
        block.put("content", message.text());
        // the tool message is this one block: a breakpoint on any of its parts marks it (as its own does, later)
        CacheBreakpoint partBreakpoint = message.cache() == null ? message.anyCache() : null;
        if (partBreakpoint != null) {
            block.set("cache_control", cacheControl(partBreakpoint));
        }
        return block;
    }

    private ObjectNode image(String url) {
        ObjectNode block = json.createObjectNode();
        block.put("type", "image");
        ObjectNode source = block.putObject("source");
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) {
            int comma = url.indexOf(',');
            String header = comma < 0 ? "" : url.substring(5, comma);
            if (!header.toLowerCase(Locale.ROOT).endsWith(";base64")) {
                throw GatewayException.invalidRequest("messages", "image data URLs must be base64-encoded");
            }
            source.put("type", "base64");
            source.put("media_type", mediaType(header.substring(0, header.indexOf(';'))));
            source.put("data", url.substring(comma + 1));
        } else if (lower.startsWith("https://") || lower.startsWith("http://")) {
            source.put("type", "url");
            source.put("url", url);
        } else {
            throw GatewayException.invalidRequest("messages", "image URLs must be http(s) or data: URLs");
        }
        return block;
    }

    /**
     * Anthropic takes image/jpeg, not image/jpg (which data URLs made from a file's extension often say, and OpenAI
     * accepts), and media types in lower case only.
     */
    private static String mediaType(String declared) {
        String type = declared.toLowerCase(Locale.ROOT);
        return "image/jpg".equals(type) ? "image/jpeg" : type;
    }

    /** Anthropic requires a user turn's tool results before anything else in it. */
    private static void putToolResultsFirst(ArrayNode content) {
        List<JsonNode> results = new ArrayList<>();
        List<JsonNode> others = new ArrayList<>();
        content.forEach(block -> ("tool_result".equals(block.path("type").asText()) ? results : others).add(block));
        if (results.isEmpty() || others.isEmpty()) {
            return;
        }
        content.removeAll();
        content.addAll(results);
        content.addAll(others);
    }
}
