package dev.caravan.ops;

import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Prompt caching in the token metrics: an Anthropic answer that read 1,200 prompt tokens from the cache and wrote
 * 2,048 to it counts them under kinds cache_read and cache_write, beside its prompt and completion, as it is billed.
 */
class CacheTokenMetricsTest {

    private static final String KEY = "sk-ant-cache-metrics";
    private static final String MODEL = "claude-3-7-sonnet-20250219";

    @TempDir
    static Path dir;
    static FakeAnthropic anthropic;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        anthropic = new FakeAnthropic(KEY);
        anthropic.always(FakeAnthropic.json(200, "{\"id\":\"msg_01Cache\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"" + MODEL + "\",\"content\":[{\"type\":\"text\",\"text\":\"Hi.\"}],"
                + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":30,"
                + "\"cache_creation_input_tokens\":2048,\"cache_read_input_tokens\":1200,\"output_tokens\":4}}"));
        gateway = Gateway.start(Map.of("caravan.anthropic.base-url", anthropic.baseUrl(),
                "caravan.anthropic.api-key", KEY, "caravan.ledger.budgets-file", Files.writeString(dir.resolve("budgets.yaml"), "").toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        anthropic.close();
    }

    @Test
    void cacheReadsAndWritesAreCountedByKind() throws Exception {
        HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"" + MODEL + "\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
        assertEquals(200, response.statusCode(), response.body());

        Scrape scrape = null;
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            scrape = new Scrape(gateway.http().send(HttpRequest.newBuilder(
                    URI.create(gateway.managementUrl() + "/observe/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            if (scrape.sum("caravan_tokens_total", "kind", "cache_write") > 0) {
                break;
            }
            Thread.sleep(50);
        }
        assertEquals(2048.0, scrape.exact("caravan_tokens_total", "provider", "anthropic", "model", MODEL,
                "kind", "cache_write"), scrape.text());
        assertEquals(1200.0, scrape.exact("caravan_tokens_total", "provider", "anthropic", "model", MODEL,
                "kind", "cache_read"));
        assertEquals(4.0, scrape.exact("caravan_tokens_total", "provider", "anthropic", "model", MODEL,
                "kind", "completion"));
    }
}
