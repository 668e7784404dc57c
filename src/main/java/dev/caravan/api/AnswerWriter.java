package dev.caravan.api;

import dev.caravan.core.ChatResponse;
import dev.caravan.pricing.Price;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.ModelRouter;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.math.BigDecimal;

/** Writes a finished (non-streaming) answer in the caller's API shape, priced, with the gateway's headers. */
public final class AnswerWriter {

    private final ModelRouter router;

    public AnswerWriter(ModelRouter router) {
        this.router = router;
    }

    public void write(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        ChatResponse answer = call.response();
        Price price = router.price(call);
        BigDecimal cost = price == null ? null : price.cost(answer.usage());
        call.settled(answer.usage(), cost, "ok", true);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        ResponseHeaders.putOnResponse(exchange, call);
        String id = "simple".equals(call.api()) ? call.requestId() : "chatcmpl-" + call.requestId();
        message.setBody(Json.responseBody("simple".equals(call.api())
                ? SimpleAnswerRenderer.render(id, call.provider(), call.servedModel(), answer, cost)
                : OpenAiAnswerRenderer.render(id, call.servedModel(), answer)));
    }
}
