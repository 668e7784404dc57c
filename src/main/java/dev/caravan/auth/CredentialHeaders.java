package dev.caravan.auth;

import dev.caravan.api.EdgeHandlers;
import dev.caravan.core.GatewayException;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * Credentials come in request headers only. platform-http copies every query parameter into the message's headers,
 * where the authenticator and the admin API read {@code Authorization} and {@code x-api-key}: without this fence a key
 * in the URL (kept by proxies' access logs, browser history and Referer headers) would authenticate, and a repeated
 * header would reach them as a list. Both are refused on the HTTP router, ahead of every route.
 */
public final class CredentialHeaders {

    static final List<String> NAMES = List.of("Authorization", "x-api-key");

    private CredentialHeaders() {
    }

    public static void handle(RoutingContext ctx) {
        // most requests have no query string: nothing to parse then (this runs for every request)
        for (String name : ctx.request().query() == null ? List.<String>of() : ctx.queryParams().names()) {
            if (NAMES.stream().anyMatch(name::equalsIgnoreCase)) {
                refuse(ctx, "credential_in_url", "Send the API key in the Authorization or x-api-key header, never in "
                        + "the URL; a key that was sent in a URL may have been logged on the way and should be rotated");
                return;
            }
        }
        for (String name : NAMES) {
            if (ctx.request().headers().getAll(name).size() > 1) {
                refuse(ctx, "credential_repeated", "The " + name + " header was sent more than once; send one credential");
                return;
            }
        }
        ctx.next();
    }

    private static void refuse(RoutingContext ctx, String code, String message) {
        GatewayException refused = new GatewayException(400, "invalid_request_error", code, null, message, false, 0);
        EdgeHandlers.send(ctx, refused);
    }
}
