package dev.caravan.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.api.Json;
import dev.caravan.core.GatewayException;
import dev.caravan.providers.RetryAfter;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * OpenAI's error answers. 4xx keep their status, type and message (they are the caller's to fix), except 429 and
 * 408 which another attempt may cure, and 401 and 403, which refuse the gateway's own key (a provider failure whose
 * message, quoting part of the key, is not passed on), and a 429 insufficient_quota, which refuses the gateway's
 * account for its billing; 5xx become 502 for the caller and may fall back.
 */
final class OpenAiErrors {

    /** The type (and often the code) of OpenAI's 429 for an account out of credit or over its spend limit. */
    private static final String QUOTA = "insufficient_quota";

    private OpenAiErrors() {
    }

    static GatewayException map(int status, byte[] body, Function<String, String> header) {
        if (status == 401 || status == 403) {
            return GatewayException.credentialsRefused("openai", status);
        }
        JsonNode error = parse(body).path("error");
        String message = error.path("message").asText("");
        if (message.isEmpty()) {
            message = "upstream answered HTTP " + status;
        }
        String type = error.path("type").asText(null);
        String code = error.path("code").isTextual() ? error.path("code").asText() : null;
        String param = error.path("param").isTextual() ? error.path("param").asText() : null;
        if (status >= 500) {
            // a 503's Retry-After says how long the service will be unavailable (HTTP's own use of the header)
            return new GatewayException(502, "upstream_error", "upstream_" + status, null,
                    "openai: upstream answered HTTP " + status + ": " + message, true, retryAfter(header));
        }
        if (status == 429 && (QUOTA.equals(type) || QUOTA.equals(code))) {
            // no rate limit: the gateway's account is out of credit or over its spend limit until the operator acts
            return GatewayException.billingRefused("openai");
        }
        if (status == 429 || status == 408) {
            return new GatewayException(status, type == null ? "rate_limit_error" : type,
                    code == null ? "rate_limited" : code, param, message, true, retryAfter(header));
        }
        return new GatewayException(status, type == null ? "invalid_request_error" : type, code, param, message,
                false, 0);
    }

    static long retryAfter(Function<String, String> header) {
        return RetryAfter.millis(header);
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body == null ? new byte[0] : body);
            return node == null ? Json.MAPPER.createObjectNode() : node;
        } catch (Exception e) {
            String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
            return Json.MAPPER.createObjectNode().set("error", Json.MAPPER.createObjectNode()
                    .put("message", text.length() > 200 ? text.substring(0, 200) : text));
        }
    }
}
