package dev.caravan.api;

import dev.caravan.core.GatewayException;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;

import java.util.Map;

/**
 * Answers what no route serves in OpenAI's error shape: unknown paths (404), known paths with the wrong method
 * (405), bodies over the size limit (413), paths that cannot be decoded (400); holds requests while routes are
 * swapped. Installed on the HTTP router once the routes are up.
 */
public final class EdgeHandlers {

    private final Map<String, String> methodsByPath;
    private final long maxBodyBytes;
    private final RouteSwapHold swapHold;

    /**
     * {@code methodsByPath}: each API path and the methods it allows, e.g. "/v1/models" -> "GET" (a path ending in
     * "/*" stands for every path under it, e.g. "/v1/models/*" for one model; a segment in braces for any one
     * segment, e.g. "/admin/keys/{id}"); {@code swapHold}: where requests wait
     * while routes are swapped.
     */
    public EdgeHandlers(Map<String, String> methodsByPath, long maxBodyBytes, RouteSwapHold swapHold) {
        this.methodsByPath = Map.copyOf(methodsByPath);
        this.maxBodyBytes = maxBodyBytes;
        this.swapHold = swapHold;
    }

    public void install(CamelContext context, int port) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            throw new IllegalStateException("No HTTP router on port " + port);
        }
        router.route().order(-999).handler(ctx -> {
            if (context.isStopping()) {
                ctx.response().putHeader("Retry-After", "1").putHeader("Connection", "close");
                send(ctx, new GatewayException(503, "server_error", "shutting_down", null,
                        "The gateway is shutting down; retry on another instance", true, 1000));
            } else {
                swapHold.admit(ctx);
            }
        });
        router.route().last().handler(this::unmatched);
        router.route().failureHandler(ctx -> failed(ctx, ctx.statusCode()));
        // a path Vert.x cannot decode (a malformed percent-escape) fails while the server's own router matches the
        // mount of the routes' router, before any handler here: only that router's error handler for 400 answers it
        Router server = serverRouter(context, port);
        if (server != null) {
            server.errorHandler(400, ctx -> failed(ctx, 400));
        }
    }

    /** The router platform-http's server on {@code port} hands each request to (the routes' router is in it). */
    private static Router serverRouter(CamelContext context, int port) {
        for (VertxPlatformHttpServer platform : context.hasServices(VertxPlatformHttpServer.class)) {
            if (platform.getServer() != null && platform.getServer().actualPort() == port
                    && platform.getServer().requestHandler() instanceof Router router) {
                return router;
            }
        }
        return null;
    }

    /** Failures raised before a route runs (the body handler's 413) or outside one, as JSON errors. */
    private void failed(RoutingContext ctx, int status) {
        if (status == 413) {
            send(ctx, new GatewayException(413, "invalid_request_error", "request_too_large", null,
                    "The request body exceeds the limit of " + maxBodyBytes + " bytes", false, 0));
        } else if (status >= 400 && status < 500) {
            send(ctx, new GatewayException(status, "invalid_request_error", "invalid_request", null,
                    "The request could not be read", false, 0));
        } else {
            send(ctx, new GatewayException(500, "server_error", "internal_error", null,
                    "The gateway failed to process the request", false, 0));
        }
    }

    private void unmatched(RoutingContext ctx) {
        if (swapHold.routeAgain(ctx)) {
            return;
        }
        String path = ctx.normalizedPath();
        String allowed = allowedMethods(path);
        if (allowed != null) {
            ctx.response().putHeader("Allow", allowed);
            send(ctx, new GatewayException(405, "invalid_request_error", "method_not_allowed", null,
                    "Method " + ctx.request().method() + " is not allowed on " + path + "; use " + allowed, false, 0));
        } else {
            send(ctx, new GatewayException(404, "invalid_request_error", "unknown_url", null,
                    "Unknown request URL: " + ctx.request().method() + " " + path, false, 0));
        }
    }

    /** The methods {@code path} allows, or null when it is no API path. */
    private String allowedMethods(String path) {
        String allowed = methodsByPath.get(path.endsWith("/") && path.length() > 1
                ? path.substring(0, path.length() - 1) : path);
        if (allowed == null) {
            allowed = byTemplate(path);
        }
        int slash = path.lastIndexOf('/', path.length() - 2);
        while (allowed == null && slash > 0) {
            allowed = methodsByPath.get(path.substring(0, slash) + "/*");
            slash = path.lastIndexOf('/', slash - 1);
        }
        return allowed;
    }

    /** The methods of the path template ("/admin/keys/{id}/revoke") that {@code path} fits, segment by segment. */
    private String byTemplate(String path) {
        String[] segments = path.split("/", -1);
        for (Map.Entry<String, String> entry : methodsByPath.entrySet()) {
            String[] template = entry.getKey().split("/", -1);
            if (entry.getKey().contains("{") && template.length == segments.length && fits(template, segments)) {
                return entry.getValue();
            }
        }
        return null;
    }

    private static boolean fits(String[] template, String[] segments) {
        for (int i = 0; i < template.length; i++) {
            boolean any = template[i].startsWith("{") && template[i].endsWith("}") && !segments[i].isEmpty();
            if (!any && !template[i].equals(segments[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Answers {@code error} in OpenAI's shape from a handler that runs before any route (this edge, the credential,
     * CORS and loopback checks), with the request id every answer carries (the caller's, or a new one).
     */
    public static void send(RoutingContext ctx, GatewayException error) {
        if (ctx.response().ended()) {
            return;
        }
        String callerId = RequestIds.callersOwn(ctx.request().getHeader(ResponseHeaders.REQUEST_ID));
        ctx.response().setStatusCode(error.status()).putHeader("content-type", "application/json")
                .putHeader(ResponseHeaders.REQUEST_ID, callerId != null ? callerId : RequestIds.next())
                .end(Buffer.buffer(Json.write(ErrorResponder.body(error))));
    }
}
