package dev.caravan.providers.bedrock;

import dev.caravan.core.GatewayException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelNotReadyException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BedrockErrorsTest {

    private static AwsErrorDetails said(String message) {
        return AwsErrorDetails.builder().errorMessage(message).build();
    }

    @Test
    void treatsAModelThatIsNotReadyAndAnInternalErrorAsRetryable503s() {
        GatewayException notReady = BedrockErrors.map(ModelNotReadyException.builder().statusCode(429)
                .awsErrorDetails(said("Model is not ready")).build());
        GatewayException internal = BedrockErrors.map(new CompletionException(InternalServerException.builder()
                .statusCode(500).awsErrorDetails(said("Internal error")).build()));

        assertEquals(503, notReady.status());
        assertEquals("upstream_error", notReady.type());
        assertTrue(notReady.retryable());
        assertEquals(503, internal.status());
        assertEquals("bedrock: Internal error", internal.getMessage());
    }

    @Test
    void treatsAConnectionFailureAsARetryable502AndATimeoutAsA504() {
        GatewayException refused = BedrockErrors.map(SdkClientException.create("Unable to execute HTTP request: "
                + "Connect to 127.0.0.1:1 failed", new ConnectException("Connection refused")));
        GatewayException slow = BedrockErrors.map(ApiCallTimeoutException.create(10_000));

        assertEquals(502, refused.status());
        assertTrue(refused.retryable());
        assertEquals("bedrock: could not reach Bedrock (ConnectException)", refused.getMessage());
        assertEquals(504, slow.status());
        assertTrue(slow.retryable());
    }

    @Test
    void recognisesContextLengthValidationErrors() {
        GatewayException tooLong = BedrockErrors.map(ValidationException.builder().statusCode(400)
                .awsErrorDetails(said("Input is too long for requested model.")).build());
        GatewayException otherwise = BedrockErrors.map(ValidationException.builder().statusCode(400)
                .awsErrorDetails(said("Malformed input request")).build());

        assertEquals("context_length_exceeded", tooLong.code());
        assertEquals("invalid_value", otherwise.code());
        assertFalse(otherwise.retryable());
    }

    @Test
    void neverRepeatsAnAccessKeyIdOrSigningDetailsFromTheServicesMessage() {
        String message = BedrockErrors.redact("The request signature we calculated does not match. Key AKIAIOSFODNN7EXAMPLE "
                + "was used. The Canonical String for this request should have been 'POST /model ... '");

        assertFalse(message.contains("AKIAIOSFODNN7EXAMPLE"), message);
        assertFalse(message.contains("POST /model"), message);
        assertTrue(message.startsWith("The request signature we calculated does not match."), message);
    }
}
