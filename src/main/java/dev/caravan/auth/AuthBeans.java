package dev.caravan.auth;

import dev.caravan.api.ConfiguredPortHttpEngine;
import dev.caravan.api.PreCallPlacement;
import dev.caravan.ledger.DynamoSettings;
import dev.caravan.ledger.EmbeddedDatabase;
import dev.caravan.ledger.Ledger;
import dev.caravan.ledger.LedgerSettings;
import dev.caravan.ops.ContextEvents;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Binds authentication, the admin API's beans, rate limits and CORS; settings {@code caravan.auth.*}. Keys live in
 * the ledger's store ({@code caravan.ledger.store}: embedded H2 in {@code caravan.ledger.data-dir}, or DynamoDB).
 * At start it logs which credentials are required; with none configured it binds the API to loopback.
 */
@Configuration
public class AuthBeans implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(AuthBeans.class);
    /** Shorter master keys are warned about at start: 32 characters of hex are 128 bits. */
    static final int STRONG_MASTER_KEY = 32;
    // Settings that may be unset are injected as "key:" (a placeholder with an empty default): Camel ignores an
    // empty defaultValue and would refuse to start without the key.

    @PropertyInject("caravan.auth.master.api-key:")
    String masterKey;
    @PropertyInject(value = "caravan.auth.api-keys", defaultValue = "auto")
    String apiKeys;
    @PropertyInject(value = "caravan.auth.keys.cache-ttl-ms", defaultValue = "5000")
    long keyCacheTtlMillis;
    @PropertyInject(value = "caravan.auth.master.max-failures", defaultValue = "10")
    int masterMaxFailures;
    @PropertyInject(value = "caravan.auth.master.failure-window-ms", defaultValue = "300000")
    long masterFailureWindowMillis;
    @PropertyInject(value = "caravan.auth.keys.max-failures", defaultValue = "0")
    int keyMaxFailures;
    @PropertyInject(value = "caravan.auth.keys.failure-window-ms", defaultValue = "60000")
    long keyFailureWindowMillis;
    @PropertyInject("caravan.auth.trusted-proxies:")
    String trustedProxies;
    @PropertyInject(value = "caravan.auth.trusted-proxies.header", defaultValue = ClientAddress.X_FORWARDED_FOR)
    String trustedProxiesHeader;
    @PropertyInject(value = "caravan.auth.keys.dynamodb.table", defaultValue = DynamoKeyStore.DEFAULT_TABLE)
    String keysTable;
    @PropertyInject("caravan.auth.oidc.issuer:")
    String oidcIssuer;
    @PropertyInject("caravan.auth.oidc.jwks-url:")
    String oidcJwksUrl;
    @PropertyInject("caravan.auth.oidc.audience:")
    String oidcAudience;
    @PropertyInject(value = "caravan.auth.oidc.algorithms", defaultValue = "RS256,ES256")
    String oidcAlgorithms;
    @PropertyInject(value = "caravan.auth.oidc.user-claim", defaultValue = "sub")
    String oidcUserClaim;
    @PropertyInject(value = "caravan.auth.oidc.application-claim", defaultValue = "azp")
    String oidcApplicationClaim;
    @PropertyInject("caravan.auth.oidc.models-claim:")
    String oidcModelsClaim;
    @PropertyInject(value = "caravan.auth.oidc.clock-skew-seconds", defaultValue = "60")
    long oidcClockSkewSeconds;
    @PropertyInject(value = "caravan.auth.oidc.jwks-cache-ms", defaultValue = "300000")
    long oidcJwksCacheMillis;
    @PropertyInject(value = "caravan.auth.oidc.jwks-outage-tolerance-ms", defaultValue = "3600000")
    long oidcJwksOutageToleranceMillis;
    @PropertyInject(value = "caravan.auth.oidc.requests-per-minute", defaultValue = "0")
    long oidcRequestsPerMinute;
    @PropertyInject(value = "caravan.auth.oidc.tokens-per-minute", defaultValue = "0")
    long oidcTokensPerMinute;
    @PropertyInject("caravan.auth.cors.allowed-origins:")
    String corsOrigins;
    @PropertyInject(value = "caravan.auth.cors.max-age-seconds", defaultValue = "600")
    long corsMaxAge;


    private AuthMode mode;
    private ClientAddress clients;
    private CachedKeys keys;
    private Authenticator authenticator;
    private boolean keysOpened;

    @BindToRegistry
    public synchronized AuthMode authMode() {
        if (mode == null) {
            String master = master();
            boolean keysOn = switch (apiKeys.trim().toLowerCase()) {
                case "on", "true" -> true;
                case "off", "false" -> false;
                case "auto" -> !master.isEmpty();
                default -> throw new IllegalArgumentException("caravan.auth.api-keys must be auto, on or off, not " + apiKeys);
            };
            mode = new AuthMode(keysOn, !oidcIssuer.isBlank(), keysOn && !master.isEmpty());
        }
        return mode;
    }

    @BindToRegistry
    public synchronized Authenticator authenticator(CamelContext context) {
        if (authenticator == null) {
            JwtVerifier jwts = authMode().identityProvider() ? new JwtVerifier(oidcSettings()) : null;
            authenticator = new Authenticator(authMode(), keys(context), jwts, new GuessLimiter("API key",
                    keyMaxFailures, Duration.ofMillis(keyFailureWindowMillis), clientAddress()), Clock.systemUTC());
        }
        return authenticator;
    }

    /**
     * The chat route's first step: its steps before the call stay on the event loop when none of them can wait on
     * I/O (this authenticator answers from memory, budgets are counted in memory).
     */
    @BindToRegistry
    public PreCallPlacement preCallPlacement(CamelContext context) {
        return new PreCallPlacement(authenticator(context), Ledger.budgetsInMemory(context));
    }

    @BindToRegistry
    public KeyAdmin keyAdmin(CamelContext context) {
        return new KeyAdmin(master(), keys(context),
                new GuessLimiter("master key", masterMaxFailures, Duration.ofMillis(masterFailureWindowMillis),
                        clientAddress()),
                Clock.systemUTC(),
                keyId -> Ledger.keyLimitsChanged(context, keyId));
    }

    @BindToRegistry
    public RateLimiter rateLimiter() {
        return new RateLimiter();
    }

    @BindToRegistry
    public CorsPolicy corsPolicy() {
        return new CorsPolicy(Arrays.asList(corsOrigins.split(",")), corsMaxAge);
    }

    /** Whose request it is, by address: the peer, or the client a trusted proxy names; the limits count per client. */
    private synchronized ClientAddress clientAddress() {
        if (clients == null) {
            clients = ClientAddress.trusting(trustedProxies, trustedProxiesHeader);
        }
        return clients;
    }

    /** The key store (through its cache), or null when API keys are off. */
    private synchronized CachedKeys keys(CamelContext context) {
        if (!keysOpened) {
            keysOpened = true;
            if (authMode().apiKeys()) {
                keys = new CachedKeys(openKeyStore(context), Duration.ofMillis(keyCacheTtlMillis));
            }
        }
        return keys;
    }

    /** Keys live in the ledger's store: its embedded database (shared, not opened twice), or DynamoDB. */
    private KeyStore openKeyStore(CamelContext context) {
        Ledger ledger = context.getRegistry().lookupByNameAndType("ledger", Ledger.class);
        if (ledger != null && ledger.embeddedDatabase() != null) {
            LOG.info("API keys are kept in the ledger's embedded database");
            return new EmbeddedKeyStore(ledger.embeddedDatabase());
        }
        LedgerSettings settings = LedgerSettings.fromProperties(
                key -> context.getPropertiesComponent().resolveProperty(key).orElse(null));
        if (settings.usesDynamo()) {
            DynamoSettings dynamo = settings.dynamo();
            LOG.info("API keys are kept in DynamoDB table {}", keysTable);
            return new DynamoKeyStore(dynamo.client(), keysTable, dynamo.createTables());
        }
        return new EmbeddedKeyStore(new EmbeddedDatabase(settings.dataDir()));
    }

    private OidcSettings oidcSettings() {
        List<String> algorithms = Arrays.stream(oidcAlgorithms.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new OidcSettings(oidcIssuer.trim(), oidcJwksUrl.isBlank() ? null : URI.create(oidcJwksUrl.trim()),
                oidcAudience.trim(), algorithms, oidcUserClaim.trim(), oidcApplicationClaim.trim(), oidcModelsClaim.trim(),
                Duration.ofSeconds(oidcClockSkewSeconds), Duration.ofMillis(oidcJwksCacheMillis),
                Duration.ofMillis(oidcJwksOutageToleranceMillis),
                new RateLimit(oidcRequestsPerMinute, oidcTokensPerMinute));
    }

    /** The master key: the property, else {@code CARAVAN_MASTER_KEY} from the environment. */
    private String master() {
        String value = masterKey == null || masterKey.isBlank() ? System.getenv("CARAVAN_MASTER_KEY") : masterKey;
        return value == null ? "" : value.trim();
    }

    @Override
    public void configure(CamelContext context) {
        AuthMode current = authMode();
        if (current.open()) {
            String configured = LoopbackOnly.bind(context);
            LOG.warn(current.describe() + (configured == null || LoopbackOnly.isLoopback(configured) ? ""
                    : " (camel.server.host " + configured + " is overridden)"));
        } else {
            LOG.info(current.describe());
        }
        clientAddress(); // an invalid entry fails the start here, naming it
        if (!trustedProxies.isBlank()) {
            LOG.info("Requests from trusted proxies {} are counted by the client their {} header names",
                    trustedProxies.trim(), trustedProxiesHeader.trim());
        }
        String master = master();
        if (!master.isEmpty() && master.length() < STRONG_MASTER_KEY) {
            // its length only: the key itself is never logged
            LOG.warn("The master key (CARAVAN_MASTER_KEY) is {} characters long; it opens the admin API and every "
                    + "caller's spend, so use at least {} random characters (e.g. openssl rand -hex 32)",
                    master.length(), STRONG_MASTER_KEY);
        }
        CorsPolicy cors = corsPolicy();
        ContextEvents.onStarted(context,
                () -> install(context, current, context.getRegistry().lookupByNameAndType("corsPolicy", CorsPolicy.class)));
        if (cors.enabled()) {
            LOG.info("CORS is enabled for origins {}", corsOrigins);
        }
    }

    /** Puts the edge handlers ahead of every route: the loopback fence in open mode, CORS, then the credential fence. */
    private void install(CamelContext context, AuthMode current, CorsPolicy cors) {
        int serverPort = ConfiguredPortHttpEngine.configuredPort(context);
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(serverPort));
        if (router == null) {
            throw new IllegalStateException("No HTTP router on port " + serverPort);
        }
        if (current.open()) {
            router.route().order(-1002).handler(LoopbackOnly::handle);
        }
        if (cors != null && cors.enabled()) {
            router.route().order(-1001).handler(cors::handle);
        }
        router.route().order(-1000).handler(CredentialHeaders::handle);
    }
}
