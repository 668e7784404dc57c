package dev.caravan.providers.bedrock;

import dev.caravan.core.GatewayException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelErrorException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelNotReadyException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelStreamErrorException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelTimeoutException;
import software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceQuotaExceededException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceUnavailableException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * What a Bedrock failure means to the caller and the fallback chain. Messages carry the service's own words,
 * never the SDK's full text (which names endpoints and request ids) and never anything that looks like a credential.
 */
public final class BedrockErrors {

    static final String PROVIDER = "bedrock";
    private static final Pattern ACCESS_KEY_ID = Pattern.compile("\\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\\b");
    private static final Pattern SIGNING_DETAIL = Pattern.compile("(?s)(The Canonical String|The String-to-Sign|Credential=).*");
    private static final int MAX_MESSAGE = 500;

    private BedrockErrors() {
    }

    /** Any failure of a Bedrock call, as thrown by the SDK (possibly wrapped by a future), as a GatewayException. */
    public static GatewayException map(Throwable failure) {
        Throwable error = unwrap(failure);
        if (error instanceof GatewayException gateway) {
            return gateway;
        }
        if (error instanceof AwsServiceException service) {
            return fromService(service);
        }
        if (error instanceof ApiCallTimeoutException || error instanceof ApiCallAttemptTimeoutException) {
            return GatewayException.timeout(PROVIDER, "no answer within the API call timeout");
        }
        if (error instanceof SdkClientException client && client.getMessage() != null
                && client.getMessage().startsWith("Unable to load credentials")) {
            return GatewayException.upstreamUnavailable(PROVIDER, "no AWS credentials available");
        }
        Throwable root = rootCause(error);
        return GatewayException.upstreamUnavailable(PROVIDER, "could not reach Bedrock ("
                + root.getClass().getSimpleName() + ")");
    }

    private static GatewayException fromService(AwsServiceException e) {
        String said = serviceMessage(e);
        if (e instanceof ThrottlingException || e instanceof ServiceQuotaExceededException) {
            // A quota the account has used up (its HTTP status is 400) is a rate limit, not the caller's error.
            return new GatewayException(429, "rate_limit_error", "rate_limit_exceeded", null, said, true, 0);
        }
        if (e instanceof ServiceUnavailableException || e instanceof ModelNotReadyException
                || e instanceof InternalServerException) {
            return new GatewayException(503, "upstream_error", "upstream_unavailable", null, said, true, 0);
        }
        if (e instanceof ModelErrorException) {
            // The model failed on Bedrock's side (HTTP 424): another attempt or target may serve.
            return new GatewayException(502, "upstream_error", "upstream_model_error", null, said, true, 0);
        }
        if (e instanceof ModelStreamErrorException) {
            return new GatewayException(502, "upstream_error", "upstream_stream_error", null, said, true, 0);
        }
        if (e instanceof ModelTimeoutException) {
            return new GatewayException(504, "upstream_error", "upstream_timeout", null, said, true, 0);
        }
        if (e instanceof ValidationException) {
            String code = isContextLength(said) ? "context_length_exceeded" : "invalid_value";
            return new GatewayException(400, "invalid_request_error", code, "messages", said, false, 0);
        }
        if (e instanceof AccessDeniedException) {
            // The gateway's AWS identity may not use this model; another target in the chain may serve it.
            return GatewayException.credentialsRefused(PROVIDER, 403);
        }
        if (e.statusCode() == 403) {
            // UnrecognizedClientException, a bad signature: the gateway's AWS credentials themselves were refused.
            return GatewayException.keyRefused(PROVIDER, 403);
        }
        if (e instanceof ResourceNotFoundException || e.statusCode() == 404) {
            return new GatewayException(404, "invalid_request_error", "model_not_found", "model", said, true, 0);
        }
        if (e.statusCode() == 429) {
            return new GatewayException(429, "rate_limit_error", "rate_limit_exceeded", null, said, true, 0);
        }
        if (e.statusCode() >= 500) {
            return new GatewayException(502, "upstream_error", "upstream_unavailable", null, said, true, 0);
        }
        return new GatewayException(e.statusCode() >= 400 ? e.statusCode() : 502, "upstream_error", "upstream_error",
                null, said, false, 0);
    }

    static boolean isContextLength(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("too long") || m.contains("context length") || m.contains("context window")
                || m.contains("maximum context") || m.contains("too many input tokens")
                || (m.contains("exceed") && m.contains("token"));
    }

    private static String serviceMessage(AwsServiceException e) {
        String text = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        if (text == null || text.isBlank()) {
            text = "HTTP " + e.statusCode();
        }
        return PROVIDER + ": " + redact(text);
    }

    static String redact(String text) {
        String cleaned = SIGNING_DETAIL.matcher(text).replaceAll("[signing details removed]");
        cleaned = ACCESS_KEY_ID.matcher(cleaned).replaceAll("[redacted]");
        return cleaned.length() > MAX_MESSAGE ? cleaned.substring(0, MAX_MESSAGE) + "..." : cleaned;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable error = failure;
        while ((error instanceof CompletionException || error instanceof ExecutionException)
                && error.getCause() != null) {
            error = error.getCause();
        }
        // The async client wraps service and client errors of a stream in an SdkClientException.
        if (error instanceof SdkClientException && error.getCause() instanceof AwsServiceException) {
            error = error.getCause();
        }
        return error;
    }

    private static Throwable rootCause(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
