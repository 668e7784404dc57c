package dev.caravan.auth;

import dev.caravan.api.EdgeHandlers;
import dev.caravan.core.GatewayException;
import io.netty.util.NetUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.MainHttpServer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Open mode's fence: the API server binds to 127.0.0.1 whatever {@code camel.server.host} says, and a request
 * that still arrives from elsewhere is refused: one whose peer is not loopback, and one that a proxy on this host
 * (a sidecar, a local reverse proxy) says it forwarded for a caller that is not loopback. A caller's own entries in
 * those headers come before the proxy's, so every address named must be loopback, and a name that is not an
 * address literal (unknown, an obfuscated or host name) counts as elsewhere.
 */
public final class LoopbackOnly {

    public static final String HOST = "127.0.0.1";

    private LoopbackOnly() {
    }

    /** Rebinds the API server to loopback; must run before the server starts. Returns the host it was set to bind. */
    public static String bind(CamelContext context) {
        MainHttpServer server = context.hasService(MainHttpServer.class);
        if (server == null) {
            return null;
        }
        String configured = server.getHost();
        server.setHost(HOST);
        return configured;
    }

    private static final List<String> FORWARDED_FOR = List.of(ClientAddress.X_FORWARDED_FOR, "X-Real-IP");

    public static void handle(RoutingContext ctx) {
        SocketAddress remote = ctx.request().remoteAddress();
        if (remote != null && isLoopback(remote.hostAddress()) && forwardedOnlyForLoopback(ctx.request().headers())) {
            ctx.next();
            return;
        }
        GatewayException refused = new GatewayException(403, "permission_error", "loopback_only", null,
                "This gateway runs without authentication and serves only local callers", false, 0);
        EdgeHandlers.send(ctx, refused);
    }

    /** Whether every client a proxy named (X-Forwarded-For, X-Real-IP, Forwarded's for=) is a loopback literal. */
    static boolean forwardedOnlyForLoopback(MultiMap headers) {
        for (String name : FORWARDED_FOR) {
            for (String value : headers.getAll(name)) {
                for (String entry : value.split(",")) {
                    if (!isLoopbackLiteral(entry)) {
                        return false;
                    }
                }
            }
        }
        for (String named : ClientAddress.forwardedFor(headers)) {
            if (!isLoopbackLiteral(named)) {
                return false;
            }
        }
        return true;
    }

    /** An address literal (IPv6 perhaps in brackets, either perhaps with a port) on loopback; never resolves a name. */
    private static boolean isLoopbackLiteral(String entry) {
        byte[] literal = ClientAddress.literal(entry);
        try {
            return literal != null && InetAddress.getByAddress(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static boolean isLoopback(String address) {
        if (address == null) {
            return false;
        }
        try {
            // A literal address (every request's peer) is read without the resolver; only a host name is resolved.
            byte[] literal = NetUtil.createByteArrayFromIpAddressString(address);
            return (literal != null ? InetAddress.getByAddress(literal) : InetAddress.getByName(address))
                    .isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
