package dev.caravan.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.routing.ModelRouter;
import dev.caravan.routing.ServableModel;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/** {@code GET /v1/models}: every model and alias a configured provider can serve, in OpenAI's list shape. */
public final class ModelList {

    private final ModelRouter router;
    private final long created = System.currentTimeMillis() / 1000;

    public ModelList(ModelRouter router) {
        this.router = router;
    }

    public void list(Exchange exchange) {
        ObjectNode root = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (ServableModel model : router.servableModels()) {
            data.addObject().put("id", model.id()).put("object", "model").put("created", created)
                    .put("owned_by", model.provider());
        }
        Message message = exchange.getMessage();
        message.removeHeaders("*", ResponseHeaders.REQUEST_ID);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(Json.responseBody(root));
    }
}
