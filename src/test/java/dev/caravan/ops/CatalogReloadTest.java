package dev.caravan.ops;

import dev.caravan.support.Eventually;
import dev.caravan.support.Gateway;
import dev.caravan.support.StreamCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The catalog is edited while a slow stream is in flight: the stream ends intact, the new alias and the new
 * fallback chain are live within seconds (the shipped check period), and an invalid edit is rejected with a log
 * line while the catalog before it keeps serving.
 */
class CatalogReloadTest {

    private static final String PRICES = """
            models:
              mock/mock-echo:   {input: 1.00, output: 2.00}
              mock/mock-stream: {input: 1.00, output: 2.00}
              mock/mock-unavailable: {input: 1.00, output: 2.00}
            """;
    /** The shipped check period is 2 s; an edit must be live well within this. */
    private static final long LIVE_WITHIN_MILLIS = 6_000;

    @TempDir
    static Path dir;
    static Path catalog;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, "fallbacks:\n  mock-unavailable: [mock-echo]\n" + PRICES);
        // mock-stream: 20 tokens 100 ms apart, a 2 s stream.
        gateway = Gateway.start(Map.of("caravan.catalog.file", catalog.toString(),
                "caravan.mock.token-delay-ms", "100", "caravan.mock.stream-tokens", "20"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void editsGoLiveWithoutCuttingAStreamAndAnInvalidEditIsRejected() throws Exception {
        assertEquals(404, chat("fast").statusCode(), "no alias 'fast' yet");
        assertEquals("mock-echo", servedBy(chat("mock-unavailable")), "the chain before the edit");

        CompletableFuture<StreamCapture> stream = StreamCapture.postInBackground(gateway, "/v1/chat/completions",
                "{\"model\":\"mock-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        Thread.sleep(300);
        assertFalse(stream.isDone(), "the stream is in flight during the edit");
        long edited = System.currentTimeMillis();
        Files.writeString(catalog, "aliases:\n  fast: mock-echo\nfallbacks:\n  mock-unavailable: [mock-stream]\n" + PRICES);

        long aliasLive = until(() -> chat("fast").statusCode() == 200, "the new alias answers") - edited;
        assertEquals("mock-echo", servedBy(chat("fast")));
        assertEquals("mock-stream", servedBy(chat("mock-unavailable")), "the new chain is used");
        assertTrue(aliasLive < LIVE_WITHIN_MILLIS, "live after " + aliasLive + " ms");

        StreamCapture done = stream.get(20, TimeUnit.SECONDS);
        assertEquals(200, done.status());
        assertEquals("[DONE]", done.data().get(done.data().size() - 1));
        StringBuilder expected = new StringBuilder("token1");
        for (int i = 2; i <= 20; i++) {
            expected.append(" token").append(i);
        }
        assertEquals(expected.toString(), done.openAiText(), "the stream ended intact");
        assertEquals("stop", done.chunks().get(done.chunks().size() - 1).path("choices").path(0)
                .path("finish_reason").asText());
        assertTrue(done.totalMillis() > 1_500, "the stream outlived the edit: " + done.totalMillis() + " ms");

        // An invalid edit (an unknown key, a typo of 'aliases') is rejected and logged; the last good catalog serves.
        try (LogLines log = LogLines.capture("dev.caravan.routing.ModelRouter")) {
            Files.writeString(catalog, "alias:\n  slow: mock-stream\nfallbacks:\n  mock-unavailable: [mock-echo]\n"
                    + PRICES);
            List<LogLines.Line> rejected = log.await(l -> l.level().equals("ERROR"), 1, LIVE_WITHIN_MILLIS);
            assertEquals(1, rejected.size(), "one error line: " + log.lines());
            String line = rejected.get(0).message();
            assertTrue(line.contains(catalog.toString()) && line.contains("rejected")
                    && line.contains("unknown key 'alias'") && line.contains("previous catalog keeps serving"), line);
            assertEquals(200, chat("fast").statusCode(), "the previous catalog keeps serving");
            assertEquals("mock-stream", servedBy(chat("mock-unavailable")), "and its chain");
            assertEquals(404, chat("slow").statusCode());
            Thread.sleep(2_500);
            assertEquals(1, log.matching(l -> l.level().equals("ERROR")).size(), "logged once, not on every check");

            // Fixed: live again.
            Files.writeString(catalog, "aliases:\n  slow: mock-stream\nfallbacks:\n  mock-unavailable: [mock-echo]\n"
                    + PRICES);
            until(() -> chat("slow").statusCode() == 200, "the fixed edit is live");
            assertEquals("mock-echo", servedBy(chat("mock-unavailable")));
            assertEquals(404, chat("fast").statusCode(), "the alias it removed is gone");
            assertTrue(log.matching(l -> l.level().equals("INFO") && l.message().contains("reloaded")).size() >= 1);
        }
    }

    /** Polls until {@code check} holds; answers the moment it did. */
    private static long until(Eventually.Check check, String what) throws Exception {
        return Eventually.until(check, 15_000, what);
    }

    private static HttpResponse<String> chat(String model) throws Exception {
        return gateway.post("/v1/chat/completions",
                "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    private static String servedBy(HttpResponse<String> answer) {
        assertEquals(200, answer.statusCode(), answer.body());
        return answer.headers().firstValue("x-caravan-model").orElse(null);
    }
}
