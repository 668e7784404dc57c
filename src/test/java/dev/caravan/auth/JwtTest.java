package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.SignedJWT;
import dev.caravan.api.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Date;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Identity provider JWTs, signed in the test and verified against a JWKS served on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwtTest {

    private FakeIdentityProvider idp;
    private AuthGateway gateway;

    @BeforeAll
    void start() throws Exception {
        idp = new FakeIdentityProvider();
        gateway = AuthGateway.start(idp.properties());
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
        idp.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Authorization", "x-api-key"})
    void acceptsAGoodTokenAndMapsItsClaimsToUserAndApplication(String header) throws Exception {
        String token = idp.token();
        HttpResponse<String> answer = gateway.chat("mock-echo", header, header.equals("x-api-key") ? token : "Bearer " + token);

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("JWT|alice@example.com|notebook", answer.headers().firstValue("x-test-identity").orElseThrow());
    }

    /** RFC 9068: identity providers type their JWT access tokens at+jwt (the media type's short or full name). */
    @ParameterizedTest
    @ValueSource(strings = {"at+jwt", "application/at+jwt", "AT+JWT"})
    void acceptsAnAccessTokenTypedAsOne(String typ) throws Exception {
        HttpResponse<String> answer = gateway.chat("mock-echo", "Authorization", "Bearer " + idp.tokenOfType(typ));

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("JWT|alice@example.com|notebook", answer.headers().firstValue("x-test-identity").orElseThrow());
    }

    @Test
    void refusesATokenOfAnotherType() throws Exception {
        // A logout token (OpenID Connect Back-Channel Logout) is signed by the same issuer but grants nothing.
        assertRefused(idp.tokenOfType("logout+jwt"), "invalid_token");
    }

    @Test
    void refusesATokenFromAnotherIssuer() throws Exception {
        assertRefused(idp.token(c -> c.issuer("https://evil.example.com")), "invalid_token");
    }

    @Test
    void refusesATokenForAnotherAudience() throws Exception {
        assertRefused(idp.token(c -> c.audience("some-other-api")), "invalid_token");
    }

    @Test
    void refusesAnExpiredToken() throws Exception {
        assertRefused(idp.token(c -> c.expirationTime(Date.from(Instant.now().minusSeconds(3600)))), "expired_token");
    }

    @Test
    void refusesATokenSignedByAnotherKeyWithTheSameKeyId() throws Exception {
        assertRefused(idp.tokenSignedByStranger(), "invalid_token");
    }

    @Test
    void refusesATokenWhosePayloadWasChangedAfterSigning() throws Exception {
        assertRefused(idp.tamperedToken(), "invalid_token");
    }

    @Test
    void refusesAnUnsecuredTokenWithAlgNone() throws Exception {
        assertRefused(idp.unsecuredToken(), "invalid_token");
    }

    @Test
    void refusesAnAlgorithmThatIsNotAllowed() throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("test-key").build(),
                idp.claims(c -> { }));
        hmac.sign(new MACSigner(secret));
        assertRefused(hmac.serialize(), "invalid_token");
    }

    @Test
    void refusesATokenWithoutSubject() throws Exception {
        assertRefused(idp.token(c -> c.subject(null)), "invalid_token");
    }

    @Test
    void refusesACaravanKeyWhenOnlyTheIdentityProviderIsConfigured() throws Exception {
        assertRefused(KeySecrets.newSecret(), "invalid_api_key");
    }

    private void assertRefused(String token, String code) throws Exception {
        HttpResponse<String> answer = gateway.chat("mock-echo", "Authorization", "Bearer " + token);

        assertEquals(401, answer.statusCode(), answer.body());
        JsonNode error = Json.MAPPER.readTree(answer.body()).get("error");
        assertEquals("authentication_error", error.get("type").asText());
        assertEquals(code, error.get("code").asText());
        assertTrue(answer.headers().firstValue("WWW-Authenticate").orElse("").contains("invalid_token"));
    }
}
