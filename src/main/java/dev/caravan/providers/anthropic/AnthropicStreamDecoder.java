package dev.caravan.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.providers.StreamDecoder;
import dev.caravan.streaming.SseEvent;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Anthropic Messages stream, event by event. Keeps what later events need: which content block is which tool
 * call, and the usage so far, since message_delta's counts complete message_start's rather than replace them.
 */
final class AnthropicStreamDecoder implements StreamDecoder {

    private final ObjectMapper json;
    private final AnthropicErrorMapper errors;
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
    private final Set<Integer> blocksWithArguments = new HashSet<>();
    private AnthropicUsage usage = AnthropicUsage.NONE;
    private boolean finished;

    AnthropicStreamDecoder(ObjectMapper json, AnthropicErrorMapper errors) {
        this.json = json;
        this.errors = errors;
    }

    @Override
    public List<StreamEvent> decode(SseEvent event) {
        JsonNode data = parse(event.data());
        if (data == null) {
            return List.of(new StreamEvent.Failed(
                    GatewayException.upstreamUnavailable("anthropic", "stream event is not valid JSON")));
        }
        String type = event.event() != null ? event.event() : data.path("type").asText();
        return switch (type) {
            case "message_start" -> messageStart(data.path("message"));
            case "content_block_start" -> blockStart(data.path("index").asInt(), data.path("content_block"));
            case "content_block_delta" -> blockDelta(data.path("index").asInt(), data.path("delta"));
            case "content_block_stop" -> blockStop(data.path("index").asInt());
            case "message_delta" -> messageDelta(data);
            case "message_stop" -> {
                finished = true;
                yield List.of();
            }
            case "error" -> List.of(new StreamEvent.Failed(errors.fromStreamEvent(data)));
            // ping, and event types Anthropic may add later (its versioning policy) say nothing
            default -> List.of();
        };
    }

    @Override
    public boolean finished() {
        return finished;
    }

    private List<StreamEvent> messageStart(JsonNode message) {
        usage = usage.merge(AnthropicUsage.from(message.get("usage")));
        return List.of(new StreamEvent.Started(message.path("id").asText(null)),
                new StreamEvent.UsageReport(usage.toUsage()));
    }

    private List<StreamEvent> blockStart(int blockIndex, JsonNode block) {
        String type = block.path("type").asText();
        if ("tool_use".equals(type)) {
            int toolIndex = toolIndexByBlock.size();
            toolIndexByBlock.put(blockIndex, toolIndex);
            return List.of(new StreamEvent.ToolCallDelta(toolIndex, block.path("id").asText(null),
                    block.path("name").asText(null), ""));
        }
        if ("text".equals(type) && !block.path("text").asText("").isEmpty()) {
            return List.of(new StreamEvent.TextDelta(block.path("text").asText()));
        }
        if (ThinkingBlock.REDACTED.equals(type)) {
            return List.of(new StreamEvent.ThinkingDelta(ThinkingBlock.redacted(block.path("data").asText(null))));
        }
        return List.of();
    }

    private List<StreamEvent> blockDelta(int blockIndex, JsonNode delta) {
        switch (delta.path("type").asText()) {
            case "text_delta" -> {
                return List.of(new StreamEvent.TextDelta(delta.path("text").asText("")));
            }
            case "input_json_delta" -> {
                Integer toolIndex = toolIndexByBlock.get(blockIndex);
                String partial = delta.path("partial_json").asText("");
                // The first delta of a tool block is often empty: it adds nothing to the arguments.
                if (toolIndex == null || partial.isEmpty()) {
                    return List.of();
                }
                blocksWithArguments.add(blockIndex);
                return List.of(new StreamEvent.ToolCallDelta(toolIndex, null, null, partial));
            }
            case "thinking_delta" -> {
                return List.of(new StreamEvent.ThinkingDelta(
                        ThinkingBlock.thinking(delta.path("thinking").asText(""), null)));
            }
            case "signature_delta" -> {
                // the block's signature comes last, before its content_block_stop: the caller needs it to send it back
                return List.of(new StreamEvent.ThinkingDelta(
                        ThinkingBlock.thinking("", delta.path("signature").asText(null))));
            }
            default -> {
                // citations_delta: not part of the answer the caller sees
                return List.of();
            }
        }
    }

    /**
     * A tool call without parameters streams no argument text (only an empty delta): its arguments are "{}", as in
     * the whole answer and as OpenAI streams them, not "", which callers' JSON parsers refuse.
     */
    private List<StreamEvent> blockStop(int blockIndex) {
        Integer toolIndex = toolIndexByBlock.get(blockIndex);
        if (toolIndex == null || blocksWithArguments.contains(blockIndex)) {
            return List.of();
        }
        return List.of(new StreamEvent.ToolCallDelta(toolIndex, null, null, "{}"));
    }

    private List<StreamEvent> messageDelta(JsonNode data) {
        usage = usage.merge(AnthropicUsage.from(data.get("usage")));
        StreamEvent.UsageReport report = new StreamEvent.UsageReport(usage.toUsage());
        String finishReason = AnthropicFinishReason.of(data.path("delta").path("stop_reason").asText(null));
        return finishReason == null ? List.of(report) : List.of(new StreamEvent.Finished(finishReason), report);
    }

    private JsonNode parse(String data) {
        try {
            JsonNode node = data == null || data.isBlank() ? null : json.readTree(data);
            return node != null && node.isObject() ? node : null;
        } catch (IOException unreadable) {
            return null;
        }
    }
}
