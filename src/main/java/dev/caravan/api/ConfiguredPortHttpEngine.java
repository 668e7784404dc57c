package dev.caravan.api;

import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.WorkerReleasingHttpConsumer;

import java.util.Set;

/**
 * Binds the platform-http routes to the API server on {@code camel.server.port}. The stock engine guesses the
 * port by looking for a single HTTP server; with the management server beside it the guess falls back to 8080,
 * so the API could end up served on the management port (DESIGN.md §6). Its consumers let the worker thread go while
 * a route waits on an asynchronous step, and start the chat routes on the event loop
 * ({@link WorkerReleasingHttpConsumer}).
 */
public final class ConfiguredPortHttpEngine extends VertxPlatformHttpEngine {

    private volatile int port;
    private final Set<String> onEventLoop;

    /**
     * {@code onEventLoop}: the paths whose routes start on the event loop that read the request, because they move
     * themselves to a worker before any step that may block (the chat routes' {@code preCallPlacement}).
     */
    public ConfiguredPortHttpEngine(Set<String> onEventLoop) {
        this.onEventLoop = Set.copyOf(onEventLoop);
    }

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        return new WorkerReleasingHttpConsumer(endpoint, processor, getHandlers(),
                VertxPlatformHttpRouter.getRouterNameFromPort(getServerPort()),
                onEventLoop.contains(endpoint.getPath()));
    }

    @Override
    public int getServerPort() {
        if (port == 0) {
            port = configuredPort(getCamelContext());
        }
        return port;
    }

    /** The API's port as configured ({@code camel.server.port}, env {@code CAMEL_SERVER_PORT}, overrides). */
    public static int configuredPort(org.apache.camel.CamelContext context) {
        return Integer.parseInt(context.getPropertiesComponent().resolveProperty("camel.server.port").orElse("8080"));
    }
}
