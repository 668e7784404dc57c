package dev.caravan.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.auth.Identity;
import dev.caravan.core.GatewayException;
import dev.caravan.routing.ModelRouter;
import dev.caravan.routing.ServableModel;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /v1/models}: every model and alias a configured provider can serve and the caller may use, in OpenAI's
 * list shape; and {@code GET /v1/models/{id}}: one of them. As with OpenAI, a key restricted to some models sees only
 * those, and any other is 404 to it.
 */
public final class ModelList {

    private static final String PATH = "/v1/models/";

    private final ModelRouter router;
    private final long created = System.currentTimeMillis() / 1000;

    public ModelList(ModelRouter router) {
        this.router = router;
    }

    public void list(Exchange exchange) {
        ObjectNode root = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        Identity caller = exchange.getProperty(Identity.PROPERTY, Identity.class);
        for (ServableModel model : router.servableModels()) {
            if (mayUse(caller, model.id())) {
                data.add(entry(model));
            }
        }
        answer(exchange, root);
    }

    /**
     * The list's entry for the model the path names after {@code /v1/models/}, slashes included
     * ({@code /v1/models/openai/gpt-4o}), also percent-encoded as some SDKs send it; 404 {@code model_not_found}
     * for a model the gateway does not serve or the caller may use by neither that name nor the one the list shows
     * it by. A path that names none is the list (the HTTP router may hand this route {@code /v1/models} itself,
     * whichever route it finds first).
     */
    public void retrieve(Exchange exchange) {
        String path = exchange.getMessage().getHeader(Exchange.HTTP_PATH, "", String.class);
        String id = path.startsWith(PATH) ? path.substring(PATH.length()) : "";
        if (id.isEmpty()) {
            list(exchange);
            return;
        }
        // a path's '+' is itself, not a space as in a form
        id = URLDecoder.decode(id.replace("+", "%2B"), StandardCharsets.UTF_8);
        ServableModel model = router.servableModel(id);
        Identity caller = exchange.getProperty(Identity.PROPERTY, Identity.class);
        // by the name the list shows it by (gpt-4o for openai/gpt-4o) or by the name asked for
        if (model == null || !mayUse(caller, router.listedAs(model.id())) && !mayUse(caller, model.id())) {
            throw new GatewayException(404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + id + "' does not exist or is not served by this gateway", false, 0);
        }
        answer(exchange, entry(model));
    }

    private static boolean mayUse(Identity caller, String model) {
        return caller == null || caller.mayUse(model);
    }

    private ObjectNode entry(ServableModel model) {
        return Json.MAPPER.createObjectNode().put("id", model.id()).put("object", "model").put("created", created)
                .put("owned_by", model.provider());
    }

    private static void answer(Exchange exchange, ObjectNode body) {
        Message message = exchange.getMessage();
        message.removeHeaders("*", ResponseHeaders.REQUEST_ID);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(Json.responseBody(body));
    }
}
