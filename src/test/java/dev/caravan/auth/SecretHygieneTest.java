package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
     * Every log event, at DEBUG and above, into a writer; the console is muted meanwhile. Two Camel loggers stay at
     * INFO, as log4j2.properties must pin them: at DEBUG they print every resolved property value, provider keys
     * included (Camel masks only its INFO summary).
     */
    private static final class LogCapture implements AutoCloseable {
        static final List<String> PROPERTY_LOGGERS = List.of("org.apache.camel.component.properties",
                "org.apache.camel.impl.engine.DefaultCamelContextExtension");
        private final LoggerContext context;
        private final Appender appender;
        private final Level level;
        private final List<Appender> muted = new ArrayList<>();

        private LogCapture(LoggerContext context, Appender appender, Level level) {
            this.context = context;
            this.appender = appender;
            this.level = level;
        }

        static LogCapture start(StringWriter into) {
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            Configuration config = context.getConfiguration();
            Appender appender = WriterAppender.newBuilder().setName("secret-search").setTarget(into)
                    .setLayout(PatternLayout.newBuilder().withConfiguration(config)
                            .withPattern("%p %c [%t] %m %X %throwable%n").build())
                    .build();
            appender.start();
            config.addAppender(appender);
            LoggerConfig root = config.getRootLogger();
            LogCapture capture = new LogCapture(context, appender, root.getLevel());
            capture.muted.addAll(root.getAppenders().values());
            capture.muted.forEach(a -> root.removeAppender(a.getName()));
            root.addAppender(appender, Level.ALL, null);
            root.setLevel(Level.DEBUG);
            for (String chatty : PROPERTY_LOGGERS) {
                config.addLogger(chatty, new LoggerConfig(chatty, Level.INFO, true));
            }
            context.updateLoggers();
            return capture;
        }

        @Override
        public void close() {
            LoggerConfig root = context.getConfiguration().getRootLogger();
            root.removeAppender(appender.getName());
            muted.forEach(a -> root.addAppender(a, null, null));
            root.setLevel(level);
            PROPERTY_LOGGERS.forEach(context.getConfiguration()::removeLogger);
            context.updateLoggers();
            appender.stop();
        }
    }
}
