package dev.caravan.ops;

import dev.caravan.core.Usage;
import dev.caravan.routing.CallContext;
import org.apache.camel.Exchange;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per request on the {@code caravan.access} logger: who asked, who served it, how it ended, what it
 * used and cost, how long it took. Key ids only, never key material. Values a caller chose (the model name, the
 * request's {@code user}) are quoted and escaped when they hold anything but plain name characters, so that no
 * request can break a line or forge a field; they are cut at {@value #MAX_VALUE} characters. Written to
 * java.util.logging directly rather than through SLF4J, whose binding finds each line's caller from a stack trace.
 */
public final class AccessLog {

    private static final Logger LOG = Logger.getLogger("caravan.access");
    static final int MAX_VALUE = 200;

    public void write(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call == null || !LOG.isLoggable(Level.INFO)) {
            return;
        }
        Usage usage = call.usage() == null ? Usage.NONE : call.usage();
        StringBuilder line = new StringBuilder(400)
                .append("request_id=").append(safe(call.requestId()))
                .append(" key_id=").append(safe(call.keyId()))
                .append(" user=").append(safe(call.userId()))
                .append(" app=").append(safe(call.application()))
                .append(" api=").append(safe(call.api()))
                .append(" model=").append(safe(call.request() == null ? null : call.request().model()))
                .append(" provider=").append(safe(call.provider()))
                .append(" served_model=").append(safe(call.servedModel()))
                .append(" status=").append(safe(call.outcome()))
                .append(" stream=").append(call.isStream())
                .append(" attempts=").append(call.attempts())
                .append(" prompt_tokens=").append(usage.promptTokens())
                .append(" completion_tokens=").append(usage.completionTokens())
                .append(" cost=").append(call.cost() == null ? "-" : call.cost().toPlainString())
                .append(" latency_ms=").append(call.latencyMillis())
                .append(" ttft_ms=").append(call.firstTokenMillis() == null ? "-" : call.firstTokenMillis());
        LogRecord record = new LogRecord(Level.INFO, line.toString());
        record.setLoggerName(LOG.getName());
        LOG.log(record);
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
