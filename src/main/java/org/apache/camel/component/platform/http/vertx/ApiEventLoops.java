package org.apache.camel.component.platform.http.vertx;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.TCPServerBase;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Serves the API from more than one event loop. platform-http starts one HTTP server, whose one event loop reads and
 * writes every caller's connection. This starts one more server per event loop of platform-http's Vert.x (which is
 * given exactly {@code loops} of them, see {@code GatewayBeans.vertxOptions}) on the same host and port, with the same
 * request handler (platform-http's router) and TLS settings; Vert.x hands each new connection to the next loop in
 * turn. A provider call started from a loop uses that loop's connections to the upstream ({@code EventLoopHttpCall}),
 * so a request stays on the loop of its caller's connection.
 * <p>
 * In Camel's package because platform-http's TLS set-up ({@code VertxPlatformHttpServerSupport.configureSSL}) is
 * package-private; the servers started here get exactly the TLS settings of platform-http's own.
 */
public final class ApiEventLoops {

    private static final Logger LOG = LoggerFactory.getLogger(ApiEventLoops.class);
    private static final long TIMEOUT_SECONDS = 30;

    private final int loops;
    private Vertx vertx;
    private String deployment;

    /** {@code loops}: how many event loops serve the API in all (1: platform-http's server alone). */
    public ApiEventLoops(int loops) {
        if (loops < 1) {
            throw new IllegalArgumentException("event loops must be at least 1, was " + loops);
        }
        this.loops = loops;
    }

    /** Starts the other servers, once platform-http's listens (when the context has started). */
    public synchronized void start(CamelContext context) throws Exception {
        VertxPlatformHttpServer platform = context.hasService(VertxPlatformHttpServer.class);
        MainHttpServer main = context.hasService(MainHttpServer.class);
        if (loops == 1 || deployment != null || platform == null || platform.getServer() == null || main == null) {
            return;
        }
        HttpServer first = platform.getServer();
        Handler<HttpServerRequest> handler = first.requestHandler();
        HttpServerOptions options = VertxPlatformHttpServerSupport.configureSSL(new HttpServerOptions(),
                main.getConfiguration(), context);
        int port = first.actualPort();
        String host = platform.getHost();
        vertx = platform.getVertx();
        deployment = vertx.deployVerticle(() -> new AbstractVerticle() {
                    @Override
                    public void start(Promise<Void> listening) {
                        vertx.createHttpServer(options).requestHandler(handler).listen(port, host)
                                .<Void>mapEmpty().onComplete(listening);
                    }
                }, new DeploymentOptions().setInstances(loops))
                .toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        LOG.info("The API is served by {} event loops", loops);
    }

    /**
     * Fails unless each of platform-http's servers (the API's, the management's) listens. When one cannot bind its
     * port (already in use, say), platform-http logs the error from its event loop and its start goes on as if it had
     * succeeded; the gateway would run, healthy by its own checks, with nothing on that port. Whether a server
     * listens is Vert.x's own answer ({@code TCPServerBase.isListening}; its actual port is set even when the bind
     * failed); PortInUseTest fails should a Vert.x upgrade take that away.
     */
    public static void requireListening(CamelContext context) {
        for (VertxPlatformHttpServer platform : context.hasServices(VertxPlatformHttpServer.class)) {
            if (platform.getServer() instanceof TCPServerBase server && !server.isListening()) {
                throw new IllegalStateException("nothing listens on " + platform.getHost() + ":"
                        + platform.getConfigurationPort() + ": its HTTP server could not start (see the error above)");
            }
        }
    }

    /** Closes the servers started here (platform-http closes its own). */
    public synchronized void stop() {
        if (deployment == null) {
            return;
        }
        try {
            vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("closing the API's other event loops: {}", e.toString());
        } finally {
            deployment = null;
        }
    }
}
