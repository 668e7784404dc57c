package dev.caravan.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** An OIDC issuer on 127.0.0.1: an RSA key made for the test, its JWKS served over HTTP, tokens signed with it. */
final class FakeIdentityProvider implements AutoCloseable {

    static final String AUDIENCE = "caravan-gateway";

    private final HttpServer server;
    private final RSAKey key;
    private final RSAKey stranger;
    final AtomicInteger jwksFetches = new AtomicInteger();
    /** When set, the JWKS URL answers 503, as an identity provider in an outage would. */
    volatile boolean down;

    FakeIdentityProvider() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("test-key").generate();
        stranger = new RSAKeyGenerator(2048).keyID("test-key").generate();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks.json", exchange -> {
            jwksFetches.incrementAndGet();
            if (down) {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String jwksUrl() {
        return issuer() + "/jwks.json";
    }

    /** The gateway properties that make it trust this issuer. */
    Map<String, String> properties() {
        return Map.of("caravan.auth.oidc.issuer", issuer(), "caravan.auth.oidc.jwks-url", jwksUrl(),
                "caravan.auth.oidc.audience", AUDIENCE, "caravan.auth.oidc.application-claim", "app",
                "caravan.auth.oidc.user-claim", "email");
    }

    /** Good claims for a user, changed by {@code change}. */
    JWTClaimsSet claims(Consumer<JWTClaimsSet.Builder> change) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer()).audience(AUDIENCE)
                .subject("user-123").claim("email", "alice@example.com").claim("app", "notebook")
                .issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(600)));
        change.accept(claims);
        return claims.build();
    }

    String token(Consumer<JWTClaimsSet.Builder> change) throws Exception {
        return sign(key, claims(change));
    }

    String token() throws Exception {
        return token(c -> { });
    }

    /** Same key id, another key: a forged signature. */
    String tokenSignedByStranger() throws Exception {
        return sign(stranger, claims(c -> { }));
    }

    /** A good token signed with a key the JWKS does not have yet, under another key id (a rotation to come). */
    String tokenSignedWithNewKey(String keyId) throws Exception {
        return sign(new RSAKeyGenerator(2048).keyID(keyId).generate(), claims(c -> { }));
    }

    /** The settings of a verifier that trusts this issuer, its key set cached for {@code cacheTtl}. */
    OidcSettings settings(java.time.Duration cacheTtl) {
        return settings(cacheTtl, java.time.Duration.ZERO);
    }

    /** The same, the last key set fetched serving for {@code outageTolerance} while the JWKS URL fails. */
    OidcSettings settings(java.time.Duration cacheTtl, java.time.Duration outageTolerance) {
        return new OidcSettings(issuer(), java.net.URI.create(jwksUrl()), AUDIENCE, java.util.List.of("RS256"),
                "email", "app", null, java.time.Duration.ofSeconds(60), cacheTtl, outageTolerance, null);
    }

    /** An unsecured JWT ({@code alg: none}) with good claims. */
    String unsecuredToken() {
        return new PlainJWT(claims(c -> { })).serialize();
    }

    /** A good token whose payload was swapped after signing. */
    String tamperedToken() throws Exception {
        String[] parts = token().split("\\.");
        String payload = claims(c -> c.subject("admin")).toString();
        return parts[0] + "." + Base64URL.encode(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    }

    /** A good token whose header names the type {@code typ} (RFC 9068 access tokens say {@code at+jwt}). */
    String tokenOfType(String typ) throws Exception {
        return sign(key, claims(c -> { }), new JOSEObjectType(typ));
    }

    private static String sign(RSAKey with, JWTClaimsSet claims) throws Exception {
        return sign(with, claims, JOSEObjectType.JWT);
    }

    private static String sign(RSAKey with, JWTClaimsSet claims, JOSEObjectType type) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID())
                .type(type).build(), claims);
        jwt.sign(new RSASSASigner(with));
        return jwt.serialize();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
