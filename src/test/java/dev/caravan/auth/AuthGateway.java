package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.Caravan;
import dev.caravan.GatewayBeans;
import dev.caravan.api.Json;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The real gateway (as support/Gateway starts it) plus {@link AuthBeans}, the admin routes and the test-only
 * guarded chat route, on free loopback ports with its own data directory.
 */
final class AuthGateway implements AutoCloseable {

    static final String MASTER_KEY = "test-master-key-0123456789abcdef";
    static final String GUARDED_CHAT = "/guarded/v1/chat/completions";
    /** Both wrong-credential limits at three failures in ten minutes, for tests that guess. */
    static final Map<String, String> THREE_FAILURES = Map.of(
            "caravan.auth.master.max-failures", "3", "caravan.auth.master.failure-window-ms", "600000",
            "caravan.auth.keys.max-failures", "3", "caravan.auth.keys.failure-window-ms", "600000");

    private final Main main;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AuthGateway(Map<String, String> properties) throws Exception {
        this.port = freePort();
        // No package scan: it would find AuthBeans a second time beside the explicit configuration below.
        main = Caravan.newMain();
        dev.caravan.Caravan.configure(main);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("camel.main.routes-include-pattern",
                "file:routes/*.yaml,file:routes/providers/*.yaml,file:src/test/resources/auth/guarded-routes.yaml");
        all.put("camel.server.port", Integer.toString(port));
        all.put("camel.server.host", "127.0.0.1");
        all.put("camel.management.port", Integer.toString(freePort()));
        all.put("camel.management.host", "127.0.0.1");
        all.put("caravan.openai.api-key", "");
        all.put("caravan.anthropic.api-key", "");
        all.put("caravan.bedrock.enabled", "false");
        all.put("caravan.mock.token-delay-ms", "5");
        all.put("caravan.ledger.store", "embedded");
        all.put("caravan.ledger.data-dir", Files.createTempDirectory("caravan-auth").toString());
        all.put("caravan.auth.master.api-key", "");
        all.putAll(properties);
        all.forEach(main::addOverrideProperty);
        main.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (main.getCamelContext() == null || !main.getCamelContext().isStarted()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("gateway did not start");
            }
            Thread.sleep(20);
        }
    }

    static AuthGateway start(Map<String, String> properties) throws Exception {
        return new AuthGateway(properties);
    }

    /** A gateway with API keys on (the test master key) and these further properties. */
    static AuthGateway withKeys(Map<String, String> properties) throws Exception {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("caravan.auth.master.api-key", MASTER_KEY);
        all.putAll(properties);
        return start(all);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    CamelContext context() {
        return main.getCamelContext();
    }

    /** Sends {@code method path} with the headers (name, value, name, value...) and a JSON body or none. */
    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("content-type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A chat request for {@code model} through the guarded route. */
    HttpResponse<String> chat(String model, String... headers) throws Exception {
        return send("POST", GUARDED_CHAT, "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                headers);
    }

    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return send(method, path, body, "Authorization", "Bearer " + MASTER_KEY);
    }

    /** Creates a key through the admin API; answers its JSON (with the secret). */
    JsonNode createKey(String json) throws Exception {
        HttpResponse<String> created = admin("POST", "/admin/keys", json);
        if (created.statusCode() != 201) {
            throw new IllegalStateException("key not created: " + created.statusCode() + " " + created.body());
        }
        return Json.MAPPER.readTree(created.body());
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
