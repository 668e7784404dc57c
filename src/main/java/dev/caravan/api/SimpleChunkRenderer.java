package dev.caravan.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.Usage;
import dev.caravan.streaming.StreamRenderer;

import java.math.BigDecimal;

/** The {@code /ai/chat} streaming shape: {id, content, finished} chunks, then a complete or an error event. */
public final class SimpleChunkRenderer implements StreamRenderer {

    private final String id;

    public SimpleChunkRenderer(String id) {
        this.id = id;
    }

    @Override
    public byte[] event(StreamEvent event) {
        if (event instanceof StreamEvent.TextDelta text) {
            return chunk(text.text(), false);
        }
        if (event instanceof StreamEvent.RefusalDelta refusal) {
            ObjectNode node = Json.MAPPER.createObjectNode().put("id", id).put("content", "")
                    .put("refusal", refusal.text()).put("finished", false);
            return StreamRenderer.sse(Json.write(node));
        }
        if (event instanceof StreamEvent.Finished) {
            return chunk("", true);
        }
        return null;
    }

    private byte[] chunk(String content, boolean finished) {
        ObjectNode node = Json.MAPPER.createObjectNode().put("id", id).put("content", content)
                .put("finished", finished);
        return StreamRenderer.sse(Json.write(node));
    }

    @Override
    public byte[] end(Usage usage, BigDecimal cost) {
        ObjectNode node = Json.MAPPER.createObjectNode().put("type", "complete");
        node.set("usage", SimpleAnswerRenderer.usage(usage));
        if (cost == null) {
            node.putNull("cost");
        } else {
            node.put("cost", cost);
        }
        return StreamRenderer.sse(Json.write(node));
    }

    @Override
    public byte[] error(GatewayException error) {
        ObjectNode node = Json.MAPPER.createObjectNode().put("type", "error").put("error", error.getMessage());
        return StreamRenderer.sse(Json.write(node));
    }
}
