package dev.caravan.providers.mock;

import dev.caravan.core.ChatResponse;
import dev.caravan.routing.CallContext;
import org.apache.camel.Exchange;

/** The built-in provider: no network, no credentials; the route's call for a mock model. */
public final class MockProvider {

    private final MockModels models;
    private final long tokenDelayMillis;

    public MockProvider(MockModels models, long tokenDelayMillis) {
        this.models = models;
        this.tokenDelayMillis = tokenDelayMillis;
    }

    public void call(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        String model = call.current().model();
        MockModels.Answer answer = models.answer(call.request(), model);
        if (call.isStream()) {
            call.streaming(new MockStream(answer, "mock-stream".equals(model) ? tokenDelayMillis : 0));
        } else {
            call.answered(new ChatResponse(null, model, answer.text(), null, answer.finishReason(), answer.usage()));
        }
    }
}
