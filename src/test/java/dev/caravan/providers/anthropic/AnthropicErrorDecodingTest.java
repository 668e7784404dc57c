package dev.caravan.providers.anthropic;

import dev.caravan.core.GatewayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicErrorDecodingTest {

    private final AnthropicCodec codec = new AnthropicCodec(model -> 4096);

    @ParameterizedTest(name = "HTTP {1} {0} -> {2} {3}/{4}, retryable={5}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "invalid-request.json   | 400 | 400 | invalid_request_error | null                    | false",
            "context-length.json    | 400 | 400 | invalid_request_error | context_length_exceeded | false",
            "authentication.json    | 401 | 502 | upstream_error        | upstream_credentials_refused | true",
            "permission.json        | 403 | 502 | upstream_error        | upstream_access_denied  | true",
            "model-not-found.json   | 404 | 404 | invalid_request_error | model_not_found         | false",
            "request-too-large.json | 413 | 413 | invalid_request_error | request_too_large       | false",
            "rate-limit.json        | 429 | 429 | rate_limit_error      | rate_limit_exceeded     | true",
            "api-error.json         | 500 | 502 | upstream_error        | upstream_unavailable    | true",
            "overloaded.json        | 529 | 503 | upstream_error        | overloaded              | true",
            "bad-gateway.html       | 502 | 502 | upstream_error        | upstream_unavailable    | true"})
    void mapsEachRecordedErrorToTheOpenAiShape(String fixture, int upstreamStatus, int status, String type,
                                               String code, boolean retryable) {
        GatewayException error = decode(upstreamStatus, AnthropicFixtures.bytes("errors/" + fixture), Map.of());

        assertEquals(status, error.status());
        assertEquals(type, error.type());
        assertEquals(code, error.code());
        assertEquals(retryable, error.retryable());
        assertTrue(error.getMessage().startsWith("anthropic: "), error.getMessage());
    }

    @Test
    void quotesAnthropicsMessageWithoutTheRequestId() {
        GatewayException error = decode(400, AnthropicFixtures.bytes("errors/invalid-request.json"), Map.of());

        assertEquals("anthropic: messages: roles must alternate between \"user\" and \"assistant\", but found "
                + "multiple \"user\" roles in a row", error.getMessage());
        assertNull(error.param());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "authentication.json | 401 | anthropic: the provider refused the gateway's credentials (HTTP 401); the "
                    + "gateway's configured key needs fixing",
            "permission.json     | 403 | anthropic: the provider refused the gateway access (HTTP 403); the gateway's "
                    + "key may not use this model, or its access needs fixing"})
    void aRefusedKeyNamesTheStatusAndQuotesNoneOfAnthropicsWords(String fixture, int status, String message) {
        GatewayException error = decode(status, AnthropicFixtures.bytes("errors/" + fixture), Map.of());

        assertEquals(message, error.getMessage());
    }

    @Test
    void honoursRetryAfterSecondsOnARateLimit() {
        GatewayException error = decode(429, AnthropicFixtures.bytes("errors/rate-limit.json"),
                Map.of("retry-after", "17", "anthropic-ratelimit-input-tokens-remaining", "0"));

        assertEquals(17_000, error.retryAfterMillis());
        assertTrue(error.retryable());
    }

    @Test
    void ignoresARetryAfterThatIsNotANumberOfSeconds() {
        GatewayException error = decode(429, AnthropicFixtures.bytes("errors/rate-limit.json"),
                Map.of("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"));

        assertEquals(0, error.retryAfterMillis());
    }

    @Test
    void reportsAContextLengthErrorAsNotRetryableOnTheMessagesParameter() {
        GatewayException error = decode(400, AnthropicFixtures.bytes("errors/context-length.json"), Map.of());

        assertFalse(error.retryable());
        assertEquals("messages", error.param());
        assertEquals("anthropic: prompt is too long: 215438 tokens > 200000 maximum", error.getMessage());
    }

    @Test
    void describesANonJsonBodyByItsReadableText() {
        GatewayException error = decode(502, AnthropicFixtures.bytes("errors/bad-gateway.html"), Map.of());

        assertEquals("anthropic: HTTP 502 with a non-JSON body: 502 Bad Gateway 502 Bad Gateway cloudflare",
                error.getMessage());
    }

    @Test
    void describesAnEmptyOverloadedBodyByItsStatus() {
        GatewayException error = decode(529, new byte[0], Map.of("retry-after", "2"));

        assertEquals(503, error.status());
        assertEquals("overloaded", error.code());
        assertEquals(2_000, error.retryAfterMillis());
        assertEquals("anthropic: HTTP 529 with an empty body", error.getMessage());
    }

    @Test
    void callsANotFoundThatIsNotAboutTheModelJustNotFound() {
        byte[] body = "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"Not found\"}}"
                .getBytes(StandardCharsets.UTF_8);

        assertEquals("not_found", decode(404, body, Map.of()).code());
    }

    @Test
    void letsTheStatusDecideForAnErrorTypeAnthropicAddsLater() {
        byte[] body = "{\"type\":\"error\",\"error\":{\"type\":\"conflict_error\",\"message\":\"Conflict\"}}"
                .getBytes(StandardCharsets.UTF_8);

        GatewayException error = decode(409, body, Map.of());

        assertEquals(409, error.status());
        assertFalse(error.retryable());
    }

    /**
     * The gateway's Anthropic account out of credit or over its spend limit: Anthropic says so with billing_error
     * (402) or, as often, with a 400 invalid_request_error. Either way the operator's account is at fault, not the
     * caller's request: the chain goes on to another target, and the same one is not retried.
     */
    @ParameterizedTest(name = "HTTP {0} {1}")
    @CsvSource(delimiter = '|', value = {
            "402 | billing_error         | Your credit balance is too low to access the Anthropic API.",
            "400 | invalid_request_error | Your credit balance is too low to access the Anthropic API. Please go to "
                    + "Plans & Billing to upgrade or purchase credits.",
            "400 | invalid_request_error | You have reached your specified API usage limits. You will regain access on "
                    + "2026-12-01 at 00:00 UTC.",
            "400 | invalid_request_error | You have reached your specified workspace API usage limits. You will regain "
                    + "access on 2026-12-01 at 00:00 UTC."})
    void anAccountRefusedForItsBillingIsTheGatewaysFailureAndFallsBack(int status, String type, String message) {
        byte[] body = ("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message
                + "\"}}").getBytes(StandardCharsets.UTF_8);

        GatewayException error = decode(status, body, Map.of());

        assertEquals(502, error.status());
        assertEquals("upstream_error", error.type());
        assertEquals(GatewayException.BILLING_REFUSED, error.code());
        assertTrue(error.retryable());
        assertTrue(error.refusesTheGateway());
        assertTrue(error.getMessage().startsWith("anthropic: "), error.getMessage());
    }

    private GatewayException decode(int status, byte[] body, Map<String, String> headers) {
        return codec.decodeError(status, body, headers::get);
    }
}
