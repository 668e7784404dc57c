package dev.caravan.auth;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * An existing identity provider whose JWTs the gateway accepts: issuer, its JWKS URL, the audience the tokens must
 * name, the signature algorithms allowed, and which claims say the user and the application; how long its key set
 * is cached, and how long the last one fetched keeps serving while the JWKS URL fails.
 */
public record OidcSettings(String issuer, URI jwksUrl, String audience, List<String> algorithms, String userClaim,
                           String applicationClaim, String modelsClaim, Duration clockSkew, Duration jwksCacheTtl,
                           Duration jwksOutageTolerance, RateLimit rateLimit) {

    public OidcSettings {
        algorithms = List.copyOf(algorithms);
        if (issuer == null || issuer.isBlank()) {
            throw new IllegalArgumentException("an identity provider needs caravan.auth.oidc.issuer");
        }
        if (jwksUrl == null) {
            throw new IllegalArgumentException("an identity provider needs caravan.auth.oidc.jwks-url");
        }
        if (algorithms.isEmpty() || algorithms.stream().anyMatch(a -> a.equalsIgnoreCase("none"))) {
            throw new IllegalArgumentException("caravan.auth.oidc.algorithms must name signature algorithms, never none");
        }
    }
}
