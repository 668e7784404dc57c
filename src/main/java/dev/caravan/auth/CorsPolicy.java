package dev.caravan.auth;

import dev.caravan.api.EdgeHandlers;
import dev.caravan.core.GatewayException;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Cross-origin access for browsers, on the HTTP router ahead of every route: answers preflights for allowed
 * origins, and lets an allowed origin read the answers (streamed ones too) and the gateway's headers. No origin is
 * allowed by default; {@code *} allows every origin (credentials are sent as headers, never cookies). What takes the
 * master key, which has no place in a page, is never cross-origin, whatever is allowed: the admin API ({@code /admin})
 * and spend and budgets ({@code /v1/spend}, {@code /v1/budgets}), which show every caller's spend.
 */
public final class CorsPolicy {

    static final String EXPOSED = String.join(", ", List.of("x-request-id", "x-caravan-provider", "x-caravan-model",
            "x-caravan-cost", "x-caravan-attempts", "retry-after", "x-ratelimit-limit-requests",
            "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests", "x-ratelimit-limit-tokens",
            "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"));
    private static final List<String> MASTER_KEY_PATHS = List.of("/admin", "/v1/spend", "/v1/budgets");
    private static final String DEFAULT_ALLOWED_HEADERS = "authorization, content-type, x-api-key, x-request-id";
    private static final Pattern HEADER_LIST = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+(\\s*,\\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*");

    private final Set<String> origins;
    private final long maxAgeSeconds;

    public CorsPolicy(List<String> allowedOrigins, long maxAgeSeconds) {
        this.origins = Set.copyOf(allowedOrigins.stream().map(String::trim).filter(s -> !s.isEmpty())
                .map(CorsPolicy::normalized).toList());
        this.maxAgeSeconds = maxAgeSeconds;
    }

    public boolean enabled() {
        return !origins.isEmpty();
    }

    public boolean allows(String origin) {
        return origin != null && (origins.contains("*") || origins.contains(normalized(origin)));
    }

    public void handle(RoutingContext ctx) {
        String origin = ctx.request().getHeader("Origin");
        if (origin == null) {
            ctx.next();
            return;
        }
        boolean preflight = ctx.request().method() == HttpMethod.OPTIONS
                && ctx.request().getHeader("Access-Control-Request-Method") != null;
        boolean masterKeyOnly = takesOnlyTheMasterKey(ctx.normalizedPath());
        if (preflight) {
            answerPreflight(ctx, origin, masterKeyOnly);
            return;
        }
        if (allows(origin) && !masterKeyOnly) {
            ctx.response().putHeader("Access-Control-Allow-Origin", origin)
                    .putHeader("Access-Control-Expose-Headers", EXPOSED);
        }
        ctx.response().putHeader("Vary", "Origin");
        ctx.next();
    }

    private void answerPreflight(RoutingContext ctx, String origin, boolean masterKeyOnly) {
        if (!allows(origin) || masterKeyOnly) {
            GatewayException refused = new GatewayException(403, "invalid_request_error", "origin_not_allowed", null,
                    masterKeyOnly ? "What takes the master key (the admin API, spend and budgets) is not served to "
                            + "browsers" : "Cross-origin requests from this origin are not allowed", false, 0);
            ctx.response().putHeader("Vary", "Origin");
            EdgeHandlers.send(ctx, refused);
            return;
        }
        String requested = ctx.request().getHeader("Access-Control-Request-Headers");
        String headers = requested != null && HEADER_LIST.matcher(requested.trim()).matches()
                ? requested.trim() : DEFAULT_ALLOWED_HEADERS;
        ctx.response().setStatusCode(204)
                .putHeader("Access-Control-Allow-Origin", origin)
                .putHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                .putHeader("Access-Control-Allow-Headers", headers)
                .putHeader("Access-Control-Max-Age", Long.toString(maxAgeSeconds))
                .putHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
                .end();
    }

    private static boolean takesOnlyTheMasterKey(String path) {
        return path != null && MASTER_KEY_PATHS.stream()
                .anyMatch(prefix -> path.equals(prefix) || path.startsWith(prefix + "/"));
    }

    private static String normalized(String origin) {
        String trimmed = origin.trim().toLowerCase(java.util.Locale.ROOT);
        return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }
}
