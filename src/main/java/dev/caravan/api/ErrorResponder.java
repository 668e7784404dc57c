package dev.caravan.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.GatewayException;
import dev.caravan.routing.CallContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every failure as OpenAI's error shape {@code {"error":{message,type,param,code}}} with its HTTP status.
 * Anything that is not a {@link GatewayException} is a bug or an outage: logged, answered as a plain 500.
 */
public final class ErrorResponder {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponder.class);

    public void respond(Exchange exchange) {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        GatewayException error = asGatewayError(caught);
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call != null && call.client() != null && call.client().started()) {
            LOG.warn("Request {} failed after its answer began: {}", call.requestId(), error.getMessage());
            call.client().end();
            exchange.getMessage().setBody(null);
            return;
        }
        if (call != null) {
            call.settled(dev.caravan.core.Usage.NONE, java.math.BigDecimal.ZERO, "error", true);
        }
        write(exchange, error);
    }

    public static GatewayException asGatewayError(Throwable caught) {
        if (caught instanceof GatewayException gateway) {
            return gateway;
        }
        if (caught != null && caught.getCause() instanceof GatewayException gateway) {
            return gateway;
        }
        LOG.error("Unexpected failure while serving a request", caught);
        return new GatewayException(500, "server_error", "internal_error", null,
                "The gateway failed to process the request", false, 0);
    }

    public static void write(Exchange exchange, GatewayException error) {
        Message message = exchange.getMessage();
        message.removeHeaders("*", "x-request-id");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, error.status());
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (error.retryAfterMillis() > 0) {
            message.setHeader("Retry-After", Math.max(1, (error.retryAfterMillis() + 999) / 1000));
        }
        if (error.shouldRetry() != null) {
            message.setHeader("x-should-retry", error.shouldRetry().toString());
        }
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call != null) {
            ResponseHeaders.put(message, call);
        }
        message.setBody(Json.responseBody(body(error)));
    }

    public static ObjectNode body(GatewayException error) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode node = root.putObject("error").put("message", error.getMessage()).put("type", error.type());
        if (error.param() == null) {
            node.putNull("param");
        } else {
            node.put("param", error.param());
        }
        if (error.code() == null) {
            node.putNull("code");
        } else {
            node.put("code", error.code());
        }
        return root;
    }
}
