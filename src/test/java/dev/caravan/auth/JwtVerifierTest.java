package dev.caravan.auth;

import dev.caravan.core.GatewayException;
import dev.caravan.ops.LogLines;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The verifier on its own, against a JWKS served on 127.0.0.1: what it says at start and how it rides out an outage. */
class JwtVerifierTest {

    @Test
    void warnsAtStartThatAnyTokenOfTheIssuerIsAcceptedWhenNoAudienceIsSet() throws Exception {
        try (FakeIdentityProvider idp = new FakeIdentityProvider();
             LogLines log = LogLines.capture(JwtVerifier.class.getName())) {
            OidcSettings withAudience = idp.settings(Duration.ofMinutes(5));
            new JwtVerifier(withAudience);
            assertEquals(List.of(), log.matching(line -> line.level().equals("WARN")), "an audience is set");

            OidcSettings without = new OidcSettings(withAudience.issuer(), withAudience.jwksUrl(), "",
                    withAudience.algorithms(), "email", "app", null, Duration.ofSeconds(60), Duration.ofMinutes(5),
                    Duration.ZERO, null);
            JwtVerifier verifier = new JwtVerifier(without);

            List<LogLines.Line> warnings = log.matching(line -> line.level().equals("WARN"));
            assertEquals(1, warnings.size(), log.lines().toString());
            String warning = warnings.get(0).message();
            assertTrue(warning.contains("every token issued by " + idp.issuer() + " is accepted")
                    && warning.contains("set caravan.auth.oidc.audience"), warning);
            assertEquals("user-123", verifier.verify(idp.token(c -> c.audience("another-app"))).subject(),
                    "as it warns: a token for another application is accepted");
        }
    }

    /**
     * The key set expires from the cache while the identity provider is down: tokens keep verifying with the set
     * fetched last, for the outage tolerance and no longer.
     */
    @Test
    void keepsVerifyingWithTheLastKeySetWhileTheJwksUrlFailsForABoundedTime() throws Exception {
        try (FakeIdentityProvider idp = new FakeIdentityProvider()) {
            JwtVerifier verifier = new JwtVerifier(idp.settings(Duration.ofMillis(200), Duration.ofMillis(1_500)));
            String token = idp.token();
            verifier.verify(token);
            assertEquals(1, idp.jwksFetches.get());
            idp.down = true;

            long deadline = System.currentTimeMillis() + 15_000;
            while (idp.jwksFetches.get() < 2) {
                assertEquals("user-123", verifier.verify(token).subject(), "verified while the identity provider is down");
                pause(deadline, "the cache never asked the identity provider again");
            }
            assertEquals("user-123", verifier.verify(token).subject(), "the failed refresh left the last key set serving");

            while (true) {
                try {
                    verifier.verify(token);
                } catch (GatewayException refused) {
                    assertEquals(503, refused.status());
                    assertEquals("identity_provider_unavailable", refused.code());
                    break;
                }
                pause(deadline, "the last key set served beyond the outage tolerance");
            }
        }
    }

    /**
     * A token under a key id the set does not have makes Nimbus fetch the set again, at most once per rate-limit
     * interval; within it, the refresh is refused. That is the token's problem, not the identity provider's: 401.
     */
    @Test
    void tokensUnderUnknownKeyIdsAre401WhileTheIdentityProviderIsWell() throws Exception {
        try (FakeIdentityProvider idp = new FakeIdentityProvider();
             LogLines log = LogLines.capture(JwtVerifier.class.getName())) {
            JwtVerifier verifier = new JwtVerifier(idp.settings(Duration.ofMinutes(5)));
            verifier.verify(idp.token());
            for (int i = 0; i < 3; i++) {
                String unknown = idp.tokenSignedWithNewKey("rotated-" + i);
                GatewayException refused = assertThrows(GatewayException.class,
                        () -> verifier.verify(unknown));
                assertEquals(401, refused.status(), refused.getMessage());
                assertEquals("invalid_token", refused.code());
            }
            assertEquals(List.of(), log.matching(line -> line.level().equals("WARN")), "nothing is wrong with the keys");
        }
    }

    private static void pause(long deadline, String failure) throws InterruptedException {
        if (System.currentTimeMillis() > deadline) {
            fail(failure);
        }
        Thread.sleep(20);
    }
}
