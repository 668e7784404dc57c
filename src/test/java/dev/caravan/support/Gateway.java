package dev.caravan.support;

import dev.caravan.Caravan;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The real gateway (Camel Main, the YAML routes of routes/), started in-process on free loopback ports. */
public final class Gateway implements AutoCloseable {

    private final Main main;
    private final int port;
    private final int managementPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Gateway(Map<String, String> properties) throws Exception {
        this.port = freePort();
        main = Caravan.newMain();
        Caravan.configure(main);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("camel.server.port", Integer.toString(port));
        all.put("camel.server.host", "127.0.0.1");
        all.put("camel.management.port", Integer.toString(freePort()));
        all.put("camel.management.host", "127.0.0.1");
        all.put("caravan.openai.api-key", "");
        all.put("caravan.anthropic.api-key", "");
        all.put("caravan.bedrock.enabled", "false");
        all.put("caravan.ledger.data-dir", java.nio.file.Files.createTempDirectory("caravan-ledger").toString());
        all.put("caravan.ledger.store", "embedded");
        all.putAll(properties);
        this.managementPort = Integer.parseInt(all.get("camel.management.port"));
        all.forEach(main::addOverrideProperty);
        try {
            main.start();
        } catch (Exception | Error e) {
            main.stop(); // what did start stops again, as the launcher does (Caravan.main)
            throw e;
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (main.getCamelContext() == null || !main.getCamelContext().isStarted()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("gateway did not start");
            }
            Thread.sleep(20);
        }
    }

    /** Starts a gateway with these properties over application.properties. */
    public static Gateway start(Map<String, String> properties) throws Exception {
        return new Gateway(properties);
    }

    /** Every exception in {@code e}'s chain of causes, one a line: what a refused start said. */
    public static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append('\n');
        }
        return all.toString();
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The management port (health and metrics), never the API's. */
    public int managementPort() {
        return managementPort;
    }

    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpClient http() {
        return http;
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
