package dev.caravan.ops;

import dev.caravan.core.Usage;
import dev.caravan.routing.CallContext;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the {@code caravan.access} logger: who asked, who served it, how it ended, what it
 * used and cost, how long it took. Key ids only, never key material. Values a caller chose (the model name, the
 * request's {@code user}) are quoted and escaped when they hold anything but plain name characters, so that no
 * request can break a line or forge a field; they are cut at {@value #MAX_VALUE} characters.
 */
public final class AccessLog {

    private static final Logger LOG = LoggerFactory.getLogger("caravan.access");
    static final int MAX_VALUE = 200;

    public void write(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call == null || !LOG.isInfoEnabled()) {
            return;
        }
        Usage usage = call.usage() == null ? Usage.NONE : call.usage();
        LOG.info("request_id={} key_id={} user={} app={} api={} model={} provider={} served_model={} status={} "
                        + "stream={} attempts={} prompt_tokens={} completion_tokens={} cost={} latency_ms={} ttft_ms={}",
                safe(call.requestId()), safe(call.keyId()), safe(call.userId()), safe(call.application()),
                safe(call.api()), safe(call.request() == null ? null : call.request().model()), safe(call.provider()),
                safe(call.servedModel()), safe(call.outcome()), call.isStream(), call.attempts(),
                usage.promptTokens(), usage.completionTokens(),
                call.cost() == null ? "-" : call.cost().toPlainString(), call.latencyMillis(),
                call.firstTokenMillis() == null ? "-" : call.firstTokenMillis());
    }

    /** {@code -} for none; the value as is when it is made of name characters only; else quoted and escaped. */
    static String safe(String value) {
        if (value == null) {
            return "-";
        }
        boolean plain = !value.isEmpty() && value.length() <= MAX_VALUE;
        for (int i = 0; plain && i < value.length(); i++) {
            char c = value.charAt(i);
            plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "._:/@+-".indexOf(c) >= 0;
        }
        if (plain) {
            return value;
        }
        String cut = value.length() > MAX_VALUE ? value.substring(0, MAX_VALUE) : value;
        StringBuilder out = new StringBuilder(cut.length() + 8).append('"');
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || c == '\u2028' || c == '\u2029') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (value.length() > MAX_VALUE) {
            out.append("...");
        }
        return out.append('"').toString();
    }
}
