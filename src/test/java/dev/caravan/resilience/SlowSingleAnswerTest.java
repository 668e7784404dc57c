package dev.caravan.resilience;

import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static dev.caravan.resilience.Calls.attempts;
import static dev.caravan.resilience.Calls.chat;
import static dev.caravan.resilience.Calls.provider;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A single (non-streamed) answer sends nothing until the model has finished: it is held to the call timeout, not to
 * the idle timeout that streams keep between their events.
 */
class SlowSingleAnswerTest {

    static final long IDLE = 300;
    static final long CALL = 3_000;

    @TempDir
    static Path dir;
    static FaultyUpstream upstream;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new FaultyUpstream();
        gateway = Gateway.start(Map.of(
                "caravan.openai.base-url", upstream.baseUrl(),
                "caravan.openai.api-key", "sk-test",
                "caravan.openai.idle-timeout-ms", Long.toString(IDLE),
                "caravan.openai.call-timeout-ms", Long.toString(CALL),
                "caravan.openai.retry.max-retries", "0",
                // A named account takes its provider's time limits.
                "caravan.accounts", "backup",
                "caravan.accounts.backup.provider", "openai",
                "caravan.accounts.backup.base-url", upstream.baseUrl(),
                "caravan.accounts.backup.api-key", "sk-backup",
                "caravan.catalog.file", Calls.catalog(dir, "", "deployments:\n  backup-4o:\n"
                        + "    - {target: openai/gpt-4o, account: backup}\n").toString()));
        Calls.warmUp(gateway, upstream);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    @Test
    void aSingleAnswerSlowerThanTheIdleTimeoutIsAnsweredOnce() throws Exception {
        upstream.always(FaultyUpstream.after(800, FaultyUpstream.ok("Thought it through.")));

        HttpResponse<String> response = chat(gateway, "openai/gpt-4o", false);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("openai", provider(response));
        assertEquals("Thought it through.", Calls.text(response));
        assertEquals(1, attempts(response));
        assertEquals(1, upstream.calls(), "not sent again (and billed again)");
    }

    @Test
    void aNamedAccountsSingleAnswerSlowerThanTheIdleTimeoutIsAnsweredOnce() throws Exception {
        upstream.always(FaultyUpstream.after(800, FaultyUpstream.ok("Thought it through.")));

        HttpResponse<String> response = chat(gateway, "backup-4o", false);

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("Thought it through.", Calls.text(response));
        assertEquals(1, attempts(response));
        assertEquals(1, upstream.calls());
    }

    @Test
    void aSingleAnswerSlowerThanTheCallTimeoutFailsAsATimeout() throws Exception {
        upstream.always(FaultyUpstream.hang());
        long start = System.nanoTime();

        HttpResponse<String> response = chat(gateway, "openai/gpt-4o", false);

        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, response.statusCode(), response.body());
        assertEquals("upstream_timeout", Calls.error(response).path("code").asText(), response.body());
        assertTrue(millis >= CALL, "timed out after " + millis + " ms, before the call timeout");
        assertTrue(millis < CALL + 5_000, "timed out after " + millis + " ms");
    }
}
