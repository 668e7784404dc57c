package dev.caravan.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.providers.bedrock.FakeBedrock.Frame;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One model answer, written the way each provider would send it: OpenAI's chat.completion and its chunks,
 * Anthropic's Message and its events (through {@link FakeAnthropic.Reply}), Bedrock's Converse JSON and its
 * ConverseStream frames. {@code finish} is OpenAI's word (stop, length, tool_calls); each provider gets its own.
 */
public record ScriptedAnswer(List<String> textPieces, List<Call> calls, String finish, int promptTokens,
                             int completionTokens) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tool call: {@code id} is given per provider, since each has its own id format. */
    public record Call(String name, List<String> argumentPieces) {
        String arguments() {
            return String.join("", argumentPieces);
        }
    }

    public static ScriptedAnswer text(List<String> pieces, String finish, int prompt, int completion) {
        return new ScriptedAnswer(pieces, List.of(), finish, prompt, completion);
    }

    public static ScriptedAnswer toolCall(Call call, int prompt, int completion) {
        return new ScriptedAnswer(List.of(), List.of(call), "tool_calls", prompt, completion);
    }

    public String text() {
        return String.join("", textPieces);
    }

    // ---- OpenAI --------------------------------------------------------------------------------------------

    public String openAiJson() {
        ObjectNode root = JSON.createObjectNode().put("id", "chatcmpl-scripted").put("object", "chat.completion")
                .put("created", 1732000000).put("model", "gpt-4o-mini-2024-07-18");
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (textPieces.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text());
        }
        message.putNull("refusal");
        if (!calls.isEmpty()) {
            ArrayNode toolCalls = message.putArray("tool_calls");
            for (int i = 0; i < calls.size(); i++) {
                toolCalls.addObject().put("id", "call_scripted" + i).put("type", "function").putObject("function")
                        .put("name", calls.get(i).name()).put("arguments", calls.get(i).arguments());
            }
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        usage(root.putObject("usage"));
        return root.toString();
    }

    private void usage(ObjectNode usage) {
        usage.put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        usage.putObject("prompt_tokens_details").put("cached_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", 0);
    }

    /** The data of each SSE event, [DONE] included, as OpenAI streams them with include_usage. */
    public List<String> openAiChunks() {
        List<String> out = new ArrayList<>();
        ObjectNode first = chunk();
        ObjectNode firstDelta = delta(first).put("role", "assistant");
        if (calls.isEmpty()) {
            firstDelta.put("content", "");
        } else {
            firstDelta.putNull("content");
        }
        firstDelta.putNull("refusal");
        out.add(first.toString());
        for (String piece : textPieces) {
            ObjectNode chunk = chunk();
            delta(chunk).put("content", piece);
            out.add(chunk.toString());
        }
        for (int i = 0; i < calls.size(); i++) {
            ObjectNode start = chunk();
            ObjectNode call = delta(start).putArray("tool_calls").addObject().put("index", i)
                    .put("id", "call_scripted" + i).put("type", "function");
            call.putObject("function").put("name", calls.get(i).name()).put("arguments", "");
            out.add(start.toString());
            for (String piece : calls.get(i).argumentPieces()) {
                ObjectNode chunk = chunk();
                delta(chunk).putArray("tool_calls").addObject().put("index", i).putObject("function")
                        .put("arguments", piece);
                out.add(chunk.toString());
            }
        }
        ObjectNode last = chunk();
        ((ObjectNode) last.path("choices").path(0)).put("finish_reason", finish);
        out.add(last.toString());
        ObjectNode usageChunk = JSON.createObjectNode().put("id", "chatcmpl-scripted")
                .put("object", "chat.completion.chunk").put("created", 1732000000)
                .put("model", "gpt-4o-mini-2024-07-18");
        usageChunk.putArray("choices");
        usage(usageChunk.putObject("usage"));
        out.add(usageChunk.toString());
        out.add("[DONE]");
        return out;
    }

    private static ObjectNode chunk() {
        ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-scripted")
                .put("object", "chat.completion.chunk").put("created", 1732000000)
                .put("model", "gpt-4o-mini-2024-07-18").put("system_fingerprint", "fp_fake");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.putObject("delta");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        chunk.putNull("usage");
        return chunk;
    }

    private static ObjectNode delta(ObjectNode chunk) {
        return (ObjectNode) chunk.path("choices").path(0).path("delta");
    }

    // ---- Anthropic -----------------------------------------------------------------------------------------

    public FakeAnthropic.Reply anthropic() {
        List<FakeAnthropic.ToolUse> uses = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            uses.add(new FakeAnthropic.ToolUse("toolu_01Scripted" + i, calls.get(i).name(),
                    calls.get(i).argumentPieces()));
        }
        String stopReason = switch (finish) {
            case "length" -> "max_tokens";
            case "tool_calls" -> "tool_use";
            default -> "end_turn";
        };
        return new FakeAnthropic.Reply(textPieces, uses, stopReason, promptTokens, completionTokens, 0);
    }

    // ---- Bedrock -------------------------------------------------------------------------------------------

    private String bedrockStopReason() {
        return switch (finish) {
            case "length" -> "max_tokens";
            case "tool_calls" -> "tool_use";
            default -> "end_turn";
        };
    }

    private ObjectNode bedrockUsage() {
        return JSON.createObjectNode().put("inputTokens", promptTokens).put("outputTokens", completionTokens)
                .put("totalTokens", promptTokens + completionTokens);
    }

    public String bedrockConverseJson() {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metrics").put("latencyMs", 321);
        ObjectNode message = root.putObject("output").putObject("message");
        ArrayNode content = message.putArray("content");
        if (!textPieces.isEmpty()) {
            content.addObject().put("text", text());
        }
        for (int i = 0; i < calls.size(); i++) {
            ObjectNode use = content.addObject().putObject("toolUse");
            use.set("input", parse(calls.get(i).arguments()));
            use.put("name", calls.get(i).name()).put("toolUseId", "tooluse_Scripted" + i);
        }
        message.put("role", "assistant");
        root.put("stopReason", bedrockStopReason());
        root.set("usage", bedrockUsage());
        return root.toString();
    }

    /** The ConverseStream frames, as Bedrock sends them (an empty first toolUse input included). */
    public List<Frame> bedrockFrames() {
        List<Frame> frames = new ArrayList<>();
        frames.add(Frame.event("messageStart", "{\"role\":\"assistant\"}"));
        int block = 0;
        if (!textPieces.isEmpty()) {
            for (String piece : textPieces) {
                ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", block);
                delta.putObject("delta").put("text", piece);
                frames.add(Frame.event("contentBlockDelta", delta.toString()));
            }
            frames.add(Frame.event("contentBlockStop", "{\"contentBlockIndex\":" + block + "}"));
            block++;
        }
        for (int i = 0; i < calls.size(); i++) {
            ObjectNode start = JSON.createObjectNode().put("contentBlockIndex", block);
            start.putObject("start").putObject("toolUse").put("name", calls.get(i).name())
                    .put("toolUseId", "tooluse_Scripted" + i);
            frames.add(Frame.event("contentBlockStart", start.toString()));
            List<String> pieces = new ArrayList<>();
            pieces.add("");
            pieces.addAll(calls.get(i).argumentPieces());
            for (String piece : pieces) {
                ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", block);
                delta.putObject("delta").putObject("toolUse").put("input", piece);
                frames.add(Frame.event("contentBlockDelta", delta.toString()));
            }
            frames.add(Frame.event("contentBlockStop", "{\"contentBlockIndex\":" + block + "}"));
            block++;
        }
        frames.add(Frame.event("messageStop", "{\"stopReason\":\"" + bedrockStopReason() + "\"}"));
        ObjectNode metadata = JSON.createObjectNode();
        metadata.putObject("metrics").put("latencyMs", 321);
        metadata.set("usage", bedrockUsage());
        frames.add(Frame.event("metadata", metadata.toString()));
        return frames;
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
