package dev.caravan.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.core.GatewayException;
import dev.caravan.providers.RetryAfter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Function;

/**
 * Anthropic's errors ({@code {"type":"error","error":{"type","message"}}}, as an HTTP answer or a stream event) as
 * the OpenAI-shaped {@link GatewayException} the caller and the fallback chain act on. Only the upstream's own
 * message is quoted, and not when it refuses the gateway's key: never a request header or key.
 */
final class AnthropicErrorMapper {

    private static final String PROVIDER = "anthropic";
    private static final int MAX_SNIPPET = 200;

    private final ObjectMapper json;

    AnthropicErrorMapper(ObjectMapper json) {
        this.json = json;
    }

    /** An HTTP error answer; {@code header} looks up a response header by lower-case name. */
    GatewayException fromHttp(int status, byte[] body, Function<String, String> header) {
        long retryAfterMillis = RetryAfter.millis(header);
        JsonNode error = errorObject(body);
        if (error == null) {
            return map(status, typeForStatus(status), describeNonJson(status, body), retryAfterMillis);
        }
        String type = error.path("type").asText(typeForStatus(status));
        String message = error.path("message").asText("HTTP " + status + " (" + type + ")");
        return map(status, type, message, retryAfterMillis);
    }

    /** An {@code error} event in the middle of a stream: the type says what an HTTP status would have said. */
    GatewayException fromStreamEvent(JsonNode data) {
        JsonNode error = data.path("error");
        String type = error.path("type").asText(null);
        String message = error.path("message").asText("stream failed" + (type == null ? "" : " (" + type + ")"));
        return map(statusForType(type), type, message, 0);
    }

    private GatewayException map(int status, String type, String message, long retryAfterMillis) {
        String text = PROVIDER + ": " + message;
        if (isContextLength(message)) {
            return new GatewayException(400, "invalid_request_error", "context_length_exceeded", "messages", text,
                    false, 0);
        }
        String known = type == null ? typeForStatus(status) : type;
        if ("billing_error".equals(known) || status == 402 || isAccountBilling(message)) {
            return GatewayException.billingRefused(PROVIDER);
        }
        return switch (known == null ? "" : known) {
            case "invalid_request_error" -> clientError(400, "invalid_request_error", null, text);
            // The gateway's own key was refused: a provider failure, with none of Anthropic's words.
            case "authentication_error", "permission_error" ->
                    GatewayException.credentialsRefused(PROVIDER, statusForType(known));
            case "not_found_error" -> clientError(404, "invalid_request_error",
                    mentionsModel(message) ? "model_not_found" : "not_found", text);
            case "request_too_large" -> clientError(413, "invalid_request_error", "request_too_large", text);
            case "rate_limit_error" -> new GatewayException(429, "rate_limit_error", "rate_limit_exceeded", null,
                    text, true, retryAfterMillis);
            case "overloaded_error" -> new GatewayException(503, "upstream_error", "overloaded", null, text, true,
                    retryAfterMillis);
            case "timeout_error" -> new GatewayException(504, "upstream_error", "upstream_timeout", null, text, true,
                    retryAfterMillis);
            case "api_error" -> upstreamFailure(text, retryAfterMillis);
            default -> byStatus(status, text, retryAfterMillis);
        };
    }

    /** A type this mapper does not know (Anthropic adds types over time): the status decides. */
    private static GatewayException byStatus(int status, String text, long retryAfterMillis) {
        if (status >= 500 || status == 408) {
            return upstreamFailure(text, retryAfterMillis);
        }
        return clientError(status, "invalid_request_error", null, text);
    }

    private static GatewayException clientError(int status, String type, String code, String text) {
        return new GatewayException(status, type, code, null, text, false, 0);
    }

    private static GatewayException upstreamFailure(String text, long retryAfterMillis) {
        return new GatewayException(502, "upstream_error", "upstream_unavailable", null, text, true,
                retryAfterMillis);
    }

    private JsonNode errorObject(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode root = json.readTree(body);
            JsonNode error = root == null ? null : root.get("error");
            return error != null && error.isObject() ? error : null;
        } catch (IOException notJson) {
            return null;
        }
    }

    private static String typeForStatus(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 500 -> "api_error";
            case 504 -> "timeout_error";
            case 529 -> "overloaded_error";
            default -> null;
        };
    }

    private static int statusForType(String type) {
        if (type == null) {
            return 500;
        }
        return switch (type) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 500;
        };
    }

    /** Anthropic says "prompt is too long: N tokens > M maximum", or that input plus max_tokens exceed the limit. */
    private static boolean isContextLength(String message) {
        String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return lower.contains("prompt is too long") || lower.contains("exceed context limit");
    }

    /**
     * The gateway's account out of credit or over a spend limit, which Anthropic often answers as a 400
     * invalid_request_error: "Your credit balance is too low ...", "You have reached your specified (workspace) API
     * usage limits ...".
     */
    private static boolean isAccountBilling(String message) {
        String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return lower.contains("credit balance is too low") || lower.contains("api usage limits");
    }

    private static boolean mentionsModel(String message) {
        return message != null && message.toLowerCase(Locale.ROOT).contains("model");
    }

    /** A proxy's HTML page or plain text: its readable words, shortened, so the log line says what happened. */
    private static String describeNonJson(int status, byte[] body) {
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
        String words = text.replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ").trim();
        if (words.isEmpty()) {
            return "HTTP " + status + " with an empty body";
        }
        if (words.length() > MAX_SNIPPET) {
            words = words.substring(0, MAX_SNIPPET) + "...";
        }
        return "HTTP " + status + " with a non-JSON body: " + words;
    }

    /** {@code retry-after} in seconds (Anthropic's form); an HTTP date or garbage is ignored. */
}
