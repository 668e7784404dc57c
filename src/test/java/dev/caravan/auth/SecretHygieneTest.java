package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.ops.LineFormatter;
import dev.caravan.ops.LogLevels;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs traffic with known secrets (master key, Caravan keys, JWTs, wrong guesses) through a gateway logging at
 * DEBUG, then searches everything that was logged, and every answer but the one that hands a secret out.
 */
class SecretHygieneTest {

    private static final String PROVIDER_KEY = "sk-test-provider-" + KeySecrets.newSecret();

    @Test
    void noSecretEverReachesTheLogsOrTheAnswers() throws Exception {
        StringWriter logged = new StringWriter();
        List<String> secrets = new ArrayList<>(List.of(AuthGateway.MASTER_KEY, PROVIDER_KEY));
        List<HttpResponse<String>> answers = new ArrayList<>();
        try (LogCapture capture = LogCapture.start(logged); FakeIdentityProvider idp = new FakeIdentityProvider()) {
            Map<String, String> properties = new HashMap<>(idp.properties());
            properties.put("caravan.auth.cors.allowed-origins", "https://app.example.com");
            properties.put("caravan.openai.api-key", PROVIDER_KEY);
            try (AuthGateway gateway = AuthGateway.withKeys(properties)) {
                JsonNode created = gateway.createKey("{\"userId\":\"alice\",\"application\":\"notebook\","
                        + "\"allowedModels\":[\"mock-echo\",\"mock-stream\"],\"rateLimit\":{\"requestsPerMinute\":3}}");
                String key = created.get("secret").asText();
                String id = created.get("id").asText();
                String wrong = KeySecrets.newSecret();
                String token = idp.token();
                String expired = idp.token(c -> c.expirationTime(new java.util.Date(System.currentTimeMillis() - 600_000)));
                String forged = idp.tokenSignedByStranger();
                String wrongMaster = "not-the-master-" + KeySecrets.newSecret();
                secrets.addAll(List.of(key, wrong, token, expired, forged, wrongMaster, KeySecrets.hash(key)));

                answers.add(gateway.chat("mock-echo", "Authorization", "Bearer " + key));
                answers.add(gateway.send("POST", AuthGateway.GUARDED_CHAT,
                        "{\"model\":\"mock-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                        "x-api-key", key, "Origin", "https://app.example.com"));
                answers.add(gateway.chat("mock-echo", "x-api-key", key));
                answers.add(gateway.chat("mock-echo", "x-api-key", key));
                answers.add(gateway.chat("mock-echo", "Authorization", "Bearer " + wrong));
                answers.add(gateway.chat("mock-echo", "Authorization", "Basic " + key));
                answers.add(gateway.chat("mock-echo", "Authorization", "Bearer " + token));
                answers.add(gateway.chat("mock-echo", "x-api-key", expired));
                answers.add(gateway.chat("mock-echo", "Authorization", "Bearer " + forged));
                answers.add(gateway.chat("not json", "Authorization", "Bearer " + token));
                answers.add(gateway.send("GET", "/admin/keys", null, "Authorization", "Bearer " + wrongMaster));
                answers.add(gateway.admin("GET", "/admin/keys", null));
                HttpResponse<String> rotated = gateway.admin("POST", "/admin/keys/" + id + "/rotate", null);
                String fresh = com.fasterxml.jackson.databind.json.JsonMapper.builder().build()
                        .readTree(rotated.body()).get("secret").asText();
                secrets.add(fresh);
                answers.add(gateway.chat("mock-echo", "Authorization", "Bearer " + key));
                answers.add(gateway.chat("mock-echo", "Authorization", "Bearer " + fresh));
                answers.add(gateway.admin("POST", "/admin/keys/" + id + "/revoke", null));
                answers.add(gateway.chat("mock-echo", "Authorization", "Bearer " + fresh));
                answers.add(gateway.send("GET", "/v1/models", null, "Authorization", "Bearer " + fresh));
            }
        }

        String log = logged.toString();
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "secret-search.log"), log);
        assertTrue(log.contains("Created key") && log.contains("Refused revoked key"), "the capture saw the traffic");
        assertTrue(log.contains("DEBUG"), "the capture ran at DEBUG");
        for (String secret : secrets) {
            assertFalse(log.contains(secret), "a secret was logged: " + secret.substring(0, 8) + "...");
            String tail = secret.substring(secret.length() - 16);
            assertFalse(log.contains(tail), "part of a secret was logged: ..." + tail.substring(12));
        }
        assertEquals(17, answers.size());
        for (HttpResponse<String> answer : answers) {
            String whole = answer.headers().map() + answer.body();
            for (String secret : secrets) {
                assertFalse(whole.contains(secret), "a secret was answered by " + answer.request().uri());
            }
            assertFalse(whole.contains("\tat ") || whole.contains("Exception"), "no stack trace: " + answer.body());
        }
    }

    /**
     * Every log record, at DEBUG and above, into a writer; the console is muted meanwhile. Two Camel loggers stay at
     * INFO, as the bundled logging configurations must pin them: at DEBUG they print every resolved property value,
     * provider keys included (Camel masks only its INFO summary).
     */
    private static final class LogCapture extends Handler implements AutoCloseable {
        static final List<String> PROPERTY_LOGGERS = List.of("org.apache.camel.component.properties",
                "org.apache.camel.impl.engine.DefaultCamelContextExtension");
        private final StringWriter into;
        private final Logger root = Logger.getLogger("");
        private final Level level = root.getLevel();
        private final Handler[] muted = root.getHandlers();
        private final Map<Logger, Level> pinned = new HashMap<>();

        private LogCapture(StringWriter into) {
            this.into = into;
        }

        static LogCapture start(StringWriter into) {
            LogCapture capture = new LogCapture(into);
            capture.setLevel(Level.ALL);
            for (Handler handler : capture.muted) {
                capture.root.removeHandler(handler);
            }
            capture.root.addHandler(capture);
            capture.root.setLevel(Level.FINE);
            for (String chatty : PROPERTY_LOGGERS) {
                Logger logger = Logger.getLogger(chatty);
                capture.pinned.put(logger, logger.getLevel());
                logger.setLevel(Level.INFO);
            }
            return capture;
        }

        @Override
        public synchronized void publish(LogRecord record) {
            into.append(LogLevels.name(record.getLevel())).append(' ').append(record.getLoggerName())
                    .append(" [").append(Thread.currentThread().getName()).append("] ")
                    .append(new LineFormatter().formatMessage(record));
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                into.append(' ').append(trace.toString());
            }
            into.append('\n');
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            root.removeHandler(this);
            for (Handler handler : muted) {
                root.addHandler(handler);
            }
            root.setLevel(level);
            pinned.forEach(Logger::setLevel);
        }
    }
}
