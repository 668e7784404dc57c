package dev.caravan.api;

import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;

/**
 * Binds the platform-http routes to the API server on {@code camel.server.port}. The stock engine guesses the
 * port by looking for a single HTTP server; with the management server beside it the guess falls back to 8080,
 * so the API could end up served on the management port (DESIGN.md §6).
 */
public final class ConfiguredPortHttpEngine extends VertxPlatformHttpEngine {

    private volatile int port;

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
