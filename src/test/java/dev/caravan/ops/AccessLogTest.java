package dev.caravan.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.api.Json;
import dev.caravan.ledger.CostRecord;
import dev.caravan.ledger.CostStore;
import dev.caravan.ledger.Ledger;
import dev.caravan.support.Gateway;
import dev.caravan.support.StreamCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code caravan.access} logger: one line per request, whatever its end (answered, streamed, refused, invalid),
 * with the documented fields, and never a secret, a prompt, or a caller's text that could forge a line.
 */
class AccessLogTest {

    private static final String MASTER_KEY = "ops-test-master-key-5f1c2a9e7b3d4c60";
    private static final List<String> FIELDS = List.of("request_id", "key_id", "user", "app", "api", "model",
            "provider", "served_model", "status", "stream", "attempts", "prompt_tokens", "completion_tokens", "cost",
            "latency_ms", "ttft_ms");

    static Gateway gateway;
    static LogLines access;
    static String keyId;
    static String secret;

    @BeforeAll
    static void start() throws Exception {
        access = LogLines.capture("caravan.access");
        gateway = Gateway.start(Map.of("caravan.auth.master.api-key", MASTER_KEY,
                "caravan.mock.token-delay-ms", "5"));
        HttpResponse<String> created = send("POST", "/admin/keys",
                "{\"userId\":\"alice\",\"application\":\"notebook\"}", "Authorization", "Bearer " + MASTER_KEY);
        assertEquals(201, created.statusCode(), created.body());
        JsonNode key = Json.MAPPER.readTree(created.body());
        keyId = key.get("id").asText();
        secret = key.get("secret").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        access.close();
    }

    @Test
    void oneLinePerRequestWithTheDocumentedFieldsAndNoSecret() throws Exception {
        int before = access.lines().size();
        String wrongKey = "sk-caravan-wrong-" + "0123456789abcdef0123456789abcdef";
        HttpResponse<String> answered = send("POST", "/v1/chat/completions",
                "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"confidential prompt words\"}]}",
                "Authorization", "Bearer " + secret);
        assertEquals(200, answered.statusCode(), answered.body());
        HttpResponse<String> streamed = send("POST", "/v1/chat/completions",
                "{\"model\":\"mock-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "x-api-key", secret);
        assertEquals(200, streamed.statusCode());
        assertTrue(streamed.body().contains("[DONE]"));
        HttpResponse<String> refused = send("POST", "/v1/chat/completions",
                "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Authorization", "Bearer " + wrongKey);
        assertEquals(401, refused.statusCode());
        HttpResponse<String> invalid = send("POST", "/v1/chat/completions", "{\"model\":\"mock-echo\"}",
                "Authorization", "Bearer " + secret);
        assertEquals(400, invalid.statusCode());

        List<LogLines.Line> lines = access.await(l -> true, before + 4, 10_000).subList(before, before + 4);
        Thread.sleep(300);
        assertEquals(before + 4, access.lines().size(), "one line per request, no more: " + access.lines());
        Map<String, Map<String, String>> byRequest = new LinkedHashMap<>();
        for (LogLines.Line line : lines) {
            assertEquals("INFO", line.level());
            assertFalse(line.message().contains("\n"), line.message());
            Map<String, String> fields = fields(line.message());
            assertEquals(FIELDS, new ArrayList<>(fields.keySet()), line.message());
            byRequest.put(fields.get("request_id"), fields);
            for (String secretText : List.of(secret, wrongKey, MASTER_KEY, secret.substring(secret.length() - 12),
                    wrongKey.substring(wrongKey.length() - 12))) {
                assertFalse(line.message().contains(secretText), "a secret was logged: " + line.message());
            }
            assertFalse(line.message().contains("confidential"), "prompts are not logged: " + line.message());
        }

        Map<String, String> ok = byRequest.get(answered.headers().firstValue("x-request-id").orElseThrow());
        assertNotNull(ok, "the line carries the request id the caller got: " + byRequest.keySet());
        assertEquals(keyId, ok.get("key_id"));
        assertEquals("alice", ok.get("user"));
        assertEquals("notebook", ok.get("app"));
        assertEquals("openai", ok.get("api"));
        assertEquals("mock-echo", ok.get("model"));
        assertEquals("mock", ok.get("provider"));
        assertEquals("mock-echo", ok.get("served_model"));
        assertEquals("ok", ok.get("status"));
        assertEquals("false", ok.get("stream"));
        assertEquals("1", ok.get("attempts"));
        assertEquals("3", ok.get("prompt_tokens"));
        assertEquals("3", ok.get("completion_tokens"));
        assertEquals(answered.headers().firstValue("x-caravan-cost").orElseThrow(), ok.get("cost"));
        assertTrue(Long.parseLong(ok.get("latency_ms")) >= 0);
        assertEquals("-", ok.get("ttft_ms"), "no first token without a stream");

        Map<String, String> stream = byRequest.get(streamed.headers().firstValue("x-request-id").orElseThrow());
        assertEquals("true", stream.get("stream"));
        assertEquals("ok", stream.get("status"));
        assertEquals(keyId, stream.get("key_id"));
        assertEquals("20", stream.get("completion_tokens"));
        long ttft = Long.parseLong(stream.get("ttft_ms"));
        assertTrue(ttft >= 0 && ttft <= Long.parseLong(stream.get("latency_ms")), stream.toString());

        // The latency is the answer's, stopped when it was settled: the access line (written after the ledger has
        // gathered and stored the record, ~10 ms later) reports the same figure as the cost record.
        CostStore costs = gateway.context().getRegistry().findSingleByType(Ledger.class).store();
        for (Map<String, String> line : List.of(ok, stream)) {
            CostRecord record = costs.find(line.get("request_id")).orElseThrow();
            assertEquals(record.latencyMillis(), Long.parseLong(line.get("latency_ms")), line.toString());
        }

        Map<String, String> unauthorized = byRequest.get(refused.headers().firstValue("x-request-id").orElseThrow());
        assertEquals("error", unauthorized.get("status"));
        assertEquals("-", unauthorized.get("key_id"), "an unknown key has no id");
        assertEquals("-", unauthorized.get("provider"));

        Map<String, String> bad = byRequest.get(invalid.headers().firstValue("x-request-id").orElseThrow());
        assertEquals("error", bad.get("status"));
        assertEquals("0", bad.get("prompt_tokens"));
    }

    @Test
    void callerTextCannotForgeALineOrAField() throws Exception {
        int before = access.lines().size();
        HttpResponse<String> answer = send("POST", "/v1/chat/completions",
                "{\"model\":\"no such\\nrequest_id=forged status=ok\",\"user\":\"eve status=ok\","
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Authorization", "Bearer " + secret);
        assertEquals(404, answer.statusCode(), answer.body());

        LogLines.Line line = access.await(l -> true, before + 1, 10_000).get(before);
        assertFalse(line.message().contains("\n"), line.message());
        Map<String, String> fields = fields(line.message());
        assertEquals(FIELDS, new ArrayList<>(fields.keySet()), line.message());
        assertEquals(answer.headers().firstValue("x-request-id").orElseThrow(), fields.get("request_id"));
        assertEquals("error", fields.get("status"));
        assertTrue(fields.get("model").startsWith("\"no such"), fields.get("model"));
    }

    /** key=value pairs in order; a value may be a double-quoted string with backslash escapes. */
    static Map<String, String> fields(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        while (i < line.length()) {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq);
            int end;
            if (eq + 1 < line.length() && line.charAt(eq + 1) == '"') {
                end = eq + 2;
                while (line.charAt(end) != '"') {
                    end += line.charAt(end) == '\\' ? 2 : 1;
                }
                end++;
            } else {
                end = line.indexOf(' ', eq);
                end = end < 0 ? line.length() : end;
            }
            out.put(key, line.substring(eq + 1, end));
            i = end + 1;
        }
        return out;
    }

    private static HttpResponse<String> send(String method, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return gateway.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
