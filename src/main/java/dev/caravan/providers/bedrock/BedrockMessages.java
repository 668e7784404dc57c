package dev.caravan.providers.bedrock;

import dev.caravan.core.CacheBreakpoint;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ContentPart;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ToolCall;
import dev.caravan.core.Whitespace;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointBlock;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointType;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ImageBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.ImageSource;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The conversation in Converse's terms: system prompts apart, user and assistant turns alternating, tool results
 * as user turns that open with their toolResult blocks right after the assistant's toolUse turn. With cache points on
 * (Claude, Nova), a caller's cache breakpoint becomes a cachePoint block right after the block it marks: a part's after
 * that part's block, a message's after the message's last block.
 */
final class BedrockMessages {

    private final boolean claude;
    private final boolean cachePoints;
    private final List<SystemContentBlock> system = new ArrayList<>();
    private final List<Message> turns = new ArrayList<>();
    private ConversationRole openRole;
    private List<ContentBlock> openResults = new ArrayList<>();
    private List<ContentBlock> openContent = new ArrayList<>();

    private BedrockMessages(boolean claude, boolean cachePoints) {
        this.claude = claude;
        this.cachePoints = cachePoints;
    }

    /**
     * {@code claude}: the model is one of Anthropic's, which refuses a prefill that ends in whitespace, and a text
     * block of no-break spaces.
     * {@code cachePoints}: the caller's cache breakpoints are sent (else left out).
     */
    static BedrockMessages of(List<ChatMessage> messages, ToolNameMap toolNames, boolean claude,
                              boolean cachePoints) {
        BedrockMessages converted = new BedrockMessages(claude, cachePoints);
        for (ChatMessage message : messages) {
            converted.add(message, toolNames);
        }
        if (claude) {
            converted.trimPrefill();
        }
        converted.closeTurn();
        return converted;
    }

    /**
     * A final assistant turn (a prefill) is sent without the whitespace its last text ends with, which Claude refuses
     * and OpenAI takes; text left empty is no block, and a turn left empty no turn.
     */
    private void trimPrefill() {
        if (openRole != ConversationRole.ASSISTANT) {
            return;
        }
        for (int i = openContent.size() - 1; i >= 0; i--) {
            String text = openContent.get(i).text();
            if (text != null) {
                String trimmed = Whitespace.stripTrailing(text);
                if (!trimmed.isEmpty()) {
                    openContent.set(i, ContentBlock.fromText(trimmed));
                    return;
                }
                openContent.remove(i); // and the text before it ends the turn now
            }
        }
    }

    List<SystemContentBlock> system() {
        return system;
    }

    List<Message> turns() {
        return turns;
    }

    private void add(ChatMessage message, ToolNameMap toolNames) {
        if (message.isSystem()) {
            addSystem(message);
            return;
        }
        switch (message.role()) {
            case "user" -> append(ConversationRole.USER, List.of(), marked(contentOf(message), message.cache()));
            case "tool" -> append(ConversationRole.USER, marked(new ArrayList<>(List.of(toolResult(message))),
                    message.anyCache()), List.of());
            case "assistant" -> append(ConversationRole.ASSISTANT, List.of(),
                    marked(assistantContent(message, toolNames), message.cache()));
            default -> throw GatewayException.invalidRequest("messages", "unknown message role: " + message.role());
        }
    }

    /**
     * Consecutive turns of one role become one turn; tool results lead it. A message with nothing to send (only blank
     * text) is no turn: its neighbours of one role are merged, as Converse wants user and assistant to alternate.
     */
    private void append(ConversationRole role, List<ContentBlock> results, List<ContentBlock> content) {
        if (results.isEmpty() && content.isEmpty()) {
            return;
        }
        if (openRole != role) {
            closeTurn();
            openRole = role;
        }
        openResults.addAll(results);
        openContent.addAll(content);
    }

    private void closeTurn() {
        if (openRole == null) {
            return;
        }
        List<ContentBlock> blocks = new ArrayList<>(openResults);
        blocks.addAll(openContent);
        if (!blocks.isEmpty()) {
            turns.add(Message.builder().role(openRole).content(blocks).build());
        }
        openRole = null;
        openResults = new ArrayList<>();
        openContent = new ArrayList<>();
    }

    /** One text block per system message; one per part, each followed by its cache point, when one is marked. */
    private void addSystem(ChatMessage message) {
        if (!cachePoints || message.anyCache() == null) {
            String text = message.text();
            if (!text.isBlank()) {
                system.add(SystemContentBlock.fromText(text));
            }
            return;
        }
        int first = system.size();
        for (ContentPart part : message.content()) {
            if (part.isText() && isBlock(part)) {
                system.add(SystemContentBlock.fromText(part.text()));
                if (part.cache() != null) {
                    system.add(SystemContentBlock.fromCachePoint(cachePoint(part.cache())));
                }
            }
        }
        boolean endsMarked = system.size() > first && system.get(system.size() - 1).cachePoint() != null;
        if (message.cache() != null && system.size() > first && !endsMarked) {
            system.add(SystemContentBlock.fromCachePoint(cachePoint(message.cache())));
        }
    }

    /** {@code blocks} followed by a cache point for the message's breakpoint, unless they end in one already. */
    private List<ContentBlock> marked(List<ContentBlock> blocks, CacheBreakpoint breakpoint) {
        boolean endsMarked = !blocks.isEmpty() && blocks.get(blocks.size() - 1).cachePoint() != null;
        if (cachePoints && breakpoint != null && !blocks.isEmpty() && !endsMarked) {
            blocks.add(ContentBlock.fromCachePoint(cachePoint(breakpoint)));
        }
        return blocks;
    }

    /** Converse's cache point: the default type, with the caller's ttl when one was given. */
    static CachePointBlock cachePoint(CacheBreakpoint breakpoint) {
        return CachePointBlock.builder().type(CachePointType.DEFAULT).ttl(breakpoint.ttl()).build();
    }

    private List<ContentBlock> contentOf(ChatMessage message) {
        List<ContentBlock> blocks = new ArrayList<>();
        for (ContentPart part : message.content()) {
            if (!isBlock(part)) {
                continue;
            }
            blocks.add(part.isText() ? ContentBlock.fromText(part.text())
                    : ContentBlock.fromImage(image(part)));
            if (cachePoints && part.cache() != null) {
                blocks.add(ContentBlock.fromCachePoint(cachePoint(part.cache())));
            }
        }
        return blocks;
    }

    /**
     * Converse refuses a text block that is empty or whitespace alone, OpenAI takes both; to Claude no-break spaces are
     * whitespace too, as the Anthropic adapter has it, and so they are wherever cache points go, since the caller's
     * breakpoints are counted so (a text of no-break spaces would add a cache point the count did not see).
     */
    private boolean isBlock(ContentPart part) {
        return (claude || cachePoints || !part.isText()) ? part.isBlock()
                : part.text() != null && !part.text().isBlank();
    }

    /**
     * Claude's thinking blocks first, as it wrote them (a tool use with thinking needs them back); another model's turn
     * has none it could read. Then the text and the tool calls.
     */
    private List<ContentBlock> assistantContent(ChatMessage message, ToolNameMap toolNames) {
        List<ContentBlock> blocks = new ArrayList<>();
        if (claude) {
            message.thinking().forEach(block -> blocks.add(BedrockReasoning.contentBlock(block)));
        }
        blocks.addAll(contentOf(message));
        for (ToolCall call : message.toolCalls()) {
            blocks.add(ContentBlock.fromToolUse(ToolUseBlock.builder()
                    .toolUseId(call.id())
                    .name(toolNames.bedrockName(call.name()))
                    .input(JsonDocuments.toDocument(call.argumentsObject()))
                    .build()));
        }
        return blocks;
    }

    private static ContentBlock toolResult(ChatMessage message) {
        if (message.toolCallId() == null || message.toolCallId().isBlank()) {
            throw GatewayException.invalidRequest("messages", "a tool message needs tool_call_id");
        }
        return ContentBlock.fromToolResult(ToolResultBlock.builder()
                .toolUseId(message.toolCallId())
                .content(ToolResultContentBlock.fromText(message.text()))
                .build());
    }

    /** Converse takes image bytes, not links: only data: URLs can be sent. */
    static ImageBlock image(ContentPart part) {
        String url = part.imageUrl();
        if (!part.isInlineImage()) {
            throw GatewayException.invalidRequest("messages",
                    "Bedrock needs images inline: send them as data: URLs (base64), not as links");
        }
        int comma = url.indexOf(',');
        String header = comma < 0 ? "" : url.substring(5, comma).toLowerCase(Locale.ROOT);
        if (comma < 0 || !header.endsWith(";base64")) {
            throw GatewayException.invalidRequest("messages", "an image data: URL must be base64-encoded");
        }
        String mediaType = header.substring(0, header.length() - ";base64".length());
        ImageFormat format = switch (mediaType) {
            case "image/png" -> ImageFormat.PNG;
            case "image/jpeg", "image/jpg" -> ImageFormat.JPEG;
            case "image/gif" -> ImageFormat.GIF;
            case "image/webp" -> ImageFormat.WEBP;
            default -> throw GatewayException.invalidRequest("messages",
                    "Bedrock accepts png, jpeg, gif and webp images, not " + mediaType);
        };
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(url.substring(comma + 1).trim());
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalidRequest("messages", "an image data: URL is not valid base64");
        }
        return ImageBlock.builder().format(format).source(ImageSource.fromBytes(SdkBytes.fromByteArray(bytes))).build();
    }
}
