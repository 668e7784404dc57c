package dev.caravan.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.source.CachingJWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.OutageTolerantJWKSetSource;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.events.Event;
import dev.caravan.core.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.MalformedURLException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Verifies an identity provider's JWTs: signature against its JWKS (fetched and cached), allowed algorithms only
 * (never {@code none}), issuer, audience, expiry; then maps the configured claims to an {@link Identity}. While the
 * JWKS URL fails, the key set fetched last keeps serving for {@link OidcSettings#jwksOutageTolerance()}.
 */
public final class JwtVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(JwtVerifier.class);

    /** How much sooner than the cache's own expiry a fetched key set stops counting as in memory. */
    private static final long EXPIRY_MARGIN_MILLIS = 1_000;

    /**
     * The header types ({@code typ}) of the tokens taken: none or {@code JWT}, as ID tokens and most access tokens say,
     * and {@code at+jwt}, which RFC 9068 has identity providers write on JWT access tokens (compared ignoring case).
     */
    private static final DefaultJOSEObjectTypeVerifier<SecurityContext> TOKEN_TYPES = new DefaultJOSEObjectTypeVerifier<>(
            JOSEObjectType.JWT, null, new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"));

    private final OidcSettings settings;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final LongSupplier clock;
    /** The key ids of the key set the cache holds, and until when it holds it without asking the provider again. */
    private volatile CachedKeys cached = new CachedKeys(Set.of(), Long.MIN_VALUE);
    private volatile long fetchStartedMillis;

    private record CachedKeys(Set<String> keyIds, long freshUntilMillis) {
    }

    public JwtVerifier(OidcSettings settings) {
        this(settings, System::currentTimeMillis);
    }

    JwtVerifier(OidcSettings settings, LongSupplier clock) {
        this.settings = settings;
        this.clock = clock;
        JWKSource<SecurityContext> keys;
        try {
            long ttl = settings.jwksCacheTtl().toMillis();
            // Nimbus's defaults (refresh timeout 15 s, refresh ahead 30 s, a refresh per 30 s at most), scaled down for
            // a cache time to live under two minutes: under 45 s Nimbus refuses to build with its defaults.
            JWKSourceBuilder<SecurityContext> builder = JWKSourceBuilder.<SecurityContext>create(
                            settings.jwksUrl().toURL())
                    .cache(ttl, Math.min(15_000, ttl / 4))
                    .refreshAheadCache(Math.min(30_000, ttl / 4), false, event -> remember(event, ttl))
                    .retrying(true)
                    .rateLimited(Math.max(1, Math.min(30_000, ttl / 2)));
            long tolerance = settings.jwksOutageTolerance().toMillis();
            keys = (tolerance > 0 ? builder.outageTolerant(tolerance, this::outage) : builder).build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("caravan.auth.oidc.jwks-url is not a URL: " + settings.jwksUrl(), e);
        }
        if (settings.audience() == null || settings.audience().isBlank()) {
            LOG.warn("caravan.auth.oidc.audience is empty: every token issued by {} is accepted, also one minted for "
                    + "another application; set caravan.auth.oidc.audience to the audience (aud) of this gateway's "
                    + "tokens", settings.issuer());
        }
        Set<JWSAlgorithm> algorithms = settings.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
        processor.setJWSTypeVerifier(TOKEN_TYPES);
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                settings.audience() == null || settings.audience().isBlank() ? null : Set.of(settings.audience()),
                new JWTClaimsSet.Builder().issuer(settings.issuer()).build(), Set.of("sub", "exp"), null);
        claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** A JWT has three dot-separated parts; anything else is not for this verifier. */
    public static boolean looksLikeJwt(String credential) {
        return credential != null && credential.chars().filter(c -> c == '.').count() == 2;
    }

    /**
     * Follows the JWKS cache's fetches: which key ids it holds, and until when (counted, as its own expiry is, from
     * before the fetch).
     */
    private void remember(Event<CachingJWKSetSource<SecurityContext>, SecurityContext> event, long ttl) {
        if (event instanceof CachingJWKSetSource.RefreshInitiatedEvent) {
            fetchStartedMillis = clock.getAsLong();
        } else if (event instanceof CachingJWKSetSource.RefreshCompletedEvent<SecurityContext> fetched) {
            cached = new CachedKeys(fetched.getJWKSet().getKeys().stream().map(JWK::getKeyID)
                    .filter(id -> id != null).collect(Collectors.toUnmodifiableSet()),
                    fetchStartedMillis + ttl - EXPIRY_MARGIN_MILLIS);
        }
    }

    private void outage(Event<OutageTolerantJWKSetSource<SecurityContext>, SecurityContext> event) {
        if (event instanceof OutageTolerantJWKSetSource.OutageEvent<SecurityContext> outage) {
            LOG.warn("The identity provider's keys could not be fetched from {} ({}); the key set fetched last keeps "
                    + "verifying tokens for at most {} ms more", settings.jwksUrl(), outage.getException().getMessage(),
                    outage.getRemainingTime());
        }
    }

    /**
     * Whether verifying {@code token} needs nothing but memory: the key it names (its {@code kid}) is in the key set
     * the cache fetched, and the cache still holds that set, so the identity provider is not asked. A token with no
     * key id needs only a cached set; one whose header cannot be read is refused without any key. Reads only the
     * token's header; checks nothing.
     */
    public boolean verifiesFromMemory(String token) {
        CachedKeys keys = cached;
        if (clock.getAsLong() >= keys.freshUntilMillis()) {
            return false;
        }
        String keyId;
        try {
            keyId = JWSHeader.parse(Base64URL.from(token.substring(0, token.indexOf('.')))).getKeyID();
        } catch (ParseException | RuntimeException unreadable) {
            return true;
        }
        return keyId == null || keys.keyIds().contains(keyId);
    }

    public Identity verify(String token) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (RateLimitReachedException e) {
            if (clock.getAsLong() < cached.freshUntilMillis()) {
                // A key id the fresh set does not have, asked again within the refresh interval: a forged token, or
                // a key the identity provider has not published yet. The token's fault, not the identity provider's.
                LOG.debug("JWT refused: its key id is not in the key set fetched last");
                throw AuthFailure.unauthenticated("invalid_token", "The bearer token is not valid for this gateway");
            }
            throw keysUnavailable(e);
        } catch (KeySourceException e) {
            // Any other failure to get the key set (the URL failing, the outage tolerance spent) is the identity
            // provider's, not the token's.
            throw keysUnavailable(e);
        } catch (BadJOSEException e) {
            if (e instanceof ExpiredJWTException) {
                throw AuthFailure.unauthenticated("expired_token", "The bearer token has expired");
            }
            LOG.debug("JWT refused: {}", e.getMessage());
            throw AuthFailure.unauthenticated("invalid_token", "The bearer token is not valid for this gateway");
        } catch (ParseException | JOSEException e) {
            LOG.debug("JWT unreadable: {}", e.getMessage());
            throw AuthFailure.unauthenticated("invalid_token", "The bearer token is not valid for this gateway");
        }
        String subject = claims.getSubject();
        return new Identity(Identity.Kind.JWT, null, subject, text(claims, settings.userClaim(), subject),
                text(claims, settings.applicationClaim(), "default"), models(claims), null, settings.rateLimit());
    }

    private static String text(JWTClaimsSet claims, String name, String fallback) {
        Object value = name == null || name.isBlank() ? null : claims.getClaim(name);
        return value instanceof String s && !s.isBlank() ? s : fallback;
    }

    private GatewayException keysUnavailable(KeySourceException e) {
        LOG.warn("The identity provider's keys could not be fetched from {}: {}", settings.jwksUrl(), e.getMessage());
        return new GatewayException(503, "authentication_error", "identity_provider_unavailable", null,
                "The identity provider's keys could not be fetched; try again shortly", true, 1000);
    }

    private List<String> models(JWTClaimsSet claims) {
        if (settings.modelsClaim() == null || settings.modelsClaim().isBlank()) {
            return List.of();
        }
        Object value = claims.getClaim(settings.modelsClaim());
        List<String> models = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(item -> models.add(String.valueOf(item)));
        } else if (value instanceof String s) {
            for (String part : s.split("[ ,]+")) {
                if (!part.isBlank()) {
                    models.add(part);
                }
            }
        }
        if (models.isEmpty()) {
            // A token that names no models, where the claim is configured, may use none of them, not all.
            throw AuthFailure.forbidden("model_not_allowed",
                    "The bearer token's claim " + settings.modelsClaim() + " allows no models");
        }
        return models;
    }
}
