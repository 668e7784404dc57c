package dev.caravan.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.Usage;

import java.math.BigDecimal;

/** A finished answer in the {@code /ai/chat} shape: {id, provider, model, content, usage, cost}. */
public final class SimpleAnswerRenderer {

    private SimpleAnswerRenderer() {
    }

    public static ObjectNode render(String id, String provider, String model, ChatResponse answer, BigDecimal cost) {
        ObjectNode root = Json.MAPPER.createObjectNode().put("id", id).put("provider", provider).put("model", model)
                .put("content", answer.content() == null ? "" : answer.content());
        if (answer.refusal() != null) {
            root.put("refusal", answer.refusal());
        }
        root.set("usage", usage(answer.usage()));
        if (cost == null) {
            root.putNull("cost");
        } else {
            root.put("cost", cost);
        }
        return root;
    }

    static ObjectNode usage(Usage usage) {
        return Json.MAPPER.createObjectNode().put("promptTokens", usage.promptTokens())
                .put("completionTokens", usage.completionTokens()).put("totalTokens", usage.totalTokens());
    }
}
