package dev.caravan.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.Usage;
import dev.caravan.streaming.StreamRenderer;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

/** OpenAI's streaming shape: {@code chat.completion.chunk} events, a usage chunk when asked, {@code [DONE]}. */
public final class OpenAiChunkRenderer implements StreamRenderer {

    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

    private final String id;
    private final String model;
    private final long created = System.currentTimeMillis() / 1000;
    private final boolean includeUsage;
    private boolean roleSent;

    public OpenAiChunkRenderer(String id, String model, boolean includeUsage) {
        this.id = id;
        this.model = model;
        this.includeUsage = includeUsage;
    }

    @Override
    public byte[] event(StreamEvent event) {
        ObjectNode chunk;
        if (event instanceof StreamEvent.TextDelta text) {
            chunk = chunk(null);
            delta(chunk).put("content", text.text());
            passOn(text.passThrough(), chunk);
        } else if (event instanceof StreamEvent.RefusalDelta refusal) {
            chunk = chunk(null);
            delta(chunk).put("refusal", refusal.text());
            passOn(refusal.passThrough(), chunk);
        } else if (event instanceof StreamEvent.PassThroughDelta other) {
            chunk = chunk(null);
            delta(chunk);
            passOn(other.passThrough(), chunk);
        } else if (event instanceof StreamEvent.ThinkingDelta thinking) {
            // LiteLLM's convention: the text as reasoning_content, the piece (its text, its signature) as a block
            chunk = chunk(null);
            ObjectNode delta = delta(chunk);
            if (!thinking.piece().isRedacted()) {
                delta.put("reasoning_content", thinking.piece().thinking());
            }
            delta.putArray("thinking_blocks").add(thinking.piece().toJson());
        } else if (event instanceof StreamEvent.ToolCallDelta call) {
            chunk = chunk(null);
            ObjectNode entry = delta(chunk).putArray("tool_calls").addObject().put("index", call.index());
            if (call.id() != null) {
                entry.put("id", call.id()).put("type", "function");
            }
            ObjectNode function = entry.putObject("function");
            if (call.name() != null) {
                function.put("name", call.name());
            }
            function.put("arguments", call.argumentsDelta() == null ? "" : call.argumentsDelta());
        } else if (event instanceof StreamEvent.Finished finished) {
            chunk = chunk(finished.finishReason());
            boolean nothingSent = !roleSent;
            ObjectNode delta = delta(chunk);
            if (nothingSent) {
                // an empty answer: its content is "", as OpenAI's first chunk says, not missing (null once accumulated)
                delta.put("content", "");
            }
        } else {
            return null;
        }
        return StreamRenderer.sse(Json.write(chunk));
    }

    private ObjectNode chunk(String finishReason) {
        ObjectNode chunk = Json.MAPPER.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.putObject("delta");
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return chunk;
    }

    /** The upstream chunk's own logprobs, audio and annotations, when it was OpenAI's and had them. */
    private static void passOn(ObjectNode passThrough, ObjectNode chunk) {
        if (passThrough != null) {
            OpenAiAnswerRenderer.passOn(passThrough, (ObjectNode) chunk.path("choices").path(0));
        }
    }

    private ObjectNode delta(ObjectNode chunk) {
        ObjectNode delta = (ObjectNode) chunk.path("choices").path(0).path("delta");
        if (!roleSent) {
            roleSent = true;
            delta.put("role", "assistant");
        }
        return delta;
    }

    @Override
    public byte[] end(Usage usage, BigDecimal cost) {
        if (!includeUsage) {
            return DONE;
        }
        ObjectNode chunk = Json.MAPPER.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
        chunk.putArray("choices");
        chunk.set("usage", OpenAiAnswerRenderer.usage(usage));
        byte[] usageEvent = StreamRenderer.sse(Json.write(chunk));
        byte[] out = new byte[usageEvent.length + DONE.length];
        System.arraycopy(usageEvent, 0, out, 0, usageEvent.length);
        System.arraycopy(DONE, 0, out, usageEvent.length, DONE.length);
        return out;
    }

    @Override
    public byte[] error(GatewayException error) {
        return StreamRenderer.sse(Json.write(ErrorResponder.body(error)));
    }
}
