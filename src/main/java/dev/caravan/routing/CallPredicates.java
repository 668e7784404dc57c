package dev.caravan.routing;

import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.Predicate;

/**
 * The routes' questions about the exchange's {@link CallContext}, as registry beans the routes name with the
 * {@code ref} language ({@code ref: callPending}). Each is a plain Java call: the simple-language form
 * ({@code ${exchangeProperty.call.pending()}}) invoked the method through Camel's bean machinery on every
 * evaluation, six times per request.
 */
public final class CallPredicates {

    /** {@link CallContext#pending()}: no attempt has succeeded yet and none has failed for good. */
    public static final Predicate PENDING = new Named("call.pending()") {
        @Override
        boolean test(CallContext call) {
            return call.pending();
        }
    };

    /** {@link CallContext#isStream()}: the caller asked for a stream. */
    public static final Predicate STREAM = new Named("call.isStream()") {
        @Override
        boolean test(CallContext call) {
            return call.isStream();
        }
    };

    /** The attempt in progress goes to a named provider account ({@link CallContext#account()} not null). */
    public static final Predicate ON_ACCOUNT = new Named("call.account() != null") {
        @Override
        boolean test(CallContext call) {
            return call.account() != null;
        }
    };

    /** {@link CallContext#backoffMillis()}: the wait before the attempt in progress. */
    public static final Expression BACKOFF_MILLIS = new Expression() {
        @Override
        public <T> T evaluate(Exchange exchange, Class<T> type) {
            Long millis = call(exchange).backoffMillis();
            return exchange.getContext().getTypeConverter().convertTo(type, exchange, millis);
        }

        @Override
        public String toString() {
            return "call.backoffMillis()";
        }
    };

    private CallPredicates() {
    }

    private static CallContext call(Exchange exchange) {
        return exchange.getProperty(CallContext.PROPERTY, CallContext.class);
    }

    private abstract static class Named implements Predicate {
        private final String text;

        Named(String text) {
            this.text = text;
        }

        abstract boolean test(CallContext call);

        @Override
        public boolean matches(Exchange exchange) {
            CallContext call = call(exchange);
            return call != null && test(call);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
