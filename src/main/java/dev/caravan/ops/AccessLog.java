package dev.caravan.ops;

import dev.caravan.core.Usage;
import dev.caravan.routing.CallContext;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the {@code caravan.access} logger: who asked, who served it, how it ended, what it
 * used and cost, how long it took. Key ids only, never key material.
 */
public final class AccessLog {

    private static final Logger LOG = LoggerFactory.getLogger("caravan.access");

    public void write(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call == null || !LOG.isInfoEnabled()) {
            return;
        }
        Usage usage = call.usage() == null ? Usage.NONE : call.usage();
        LOG.info("request_id={} key_id={} user={} app={} api={} model={} provider={} served_model={} status={} "
                        + "stream={} attempts={} prompt_tokens={} completion_tokens={} cost={} latency_ms={} ttft_ms={}",
                call.requestId(), dash(call.keyId()), dash(call.userId()), dash(call.application()), call.api(),
                call.request() == null ? "-" : call.request().model(), dash(call.provider()),
                dash(call.servedModel()), dash(call.outcome()), call.isStream(), call.attempts(),
                usage.promptTokens(), usage.completionTokens(),
                call.cost() == null ? "-" : call.cost().toPlainString(), call.elapsedMillis(),
                call.firstTokenMillis() == null ? "-" : call.firstTokenMillis());
    }

    private static String dash(String value) {
        return value == null ? "-" : value;
    }
}
