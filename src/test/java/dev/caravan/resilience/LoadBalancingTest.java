package dev.caravan.resilience;

import dev.caravan.routing.FallbackChain;
import dev.caravan.routing.Target;
import dev.caravan.support.Gateway;
import dev.caravan.routing.Breakers;
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
 * A model with two deployments, weights 3 and 1: traffic is spread by weight; a deployment that fails is passed
 * over for the cooldown, one whose breaker is open until it closes; then it gets its share again.
 */
class LoadBalancingTest {

    static final long COOLDOWN = 2_000;

    @TempDir
    static Path dir;
    static FaultyUpstream upstream;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new FaultyUpstream();
        String deployments = "deployments:\n"
                + "  gpt-4o:\n"
                + "    - {target: openai/gpt-4o, weight: 3}\n"
                + "    - {target: mock/mock-echo, weight: 1}\n";
        gateway = Gateway.start(Map.of(
                "caravan.openai.base-url", upstream.baseUrl(),
                "caravan.openai.api-key", "sk-test",
                "caravan.openai.retry.max-retries", "0",
                "caravan.openai.breaker.minimum-calls", "100000",
                "caravan.openai.breaker.window", "100000",
                "caravan.deployments.failure-cooldown-ms", Long.toString(COOLDOWN),
                "caravan.catalog.file", Calls.catalog(dir, "", deployments).toString()));
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
        gateway.context().getRegistry().lookupByNameAndType("breakers", Breakers.class).breaker("openai", "openai").transitionToClosedState();
        // The warm-up's stream fails when its scripted answers were served out of order (its first request drawn to
        // the mock deployment); that must not leave openai/gpt-4o cooling down when a test begins.
        gateway.context().getRegistry().lookupByNameAndType("fallbackChain", FallbackChain.class).balancer()
                .succeeded(new Target("openai", "gpt-4o"));
    }

    @Test
    void spreadsRequestsByWeight() throws Exception {
        int openai = 0;
        int total = 200;
        for (int i = 0; i < total; i++) {
            HttpResponse<String> response = chat(gateway, "gpt-4o", false);
            assertEquals(200, response.statusCode());
            assertEquals(1, attempts(response));
            if ("openai".equals(provider(response))) {
                openai++;
            }
        }
        // Expected 150 of 200 (weight 3 of 4); the bounds are more than six standard deviations wide.
        assertTrue(openai > 110 && openai < 190, "openai served " + openai + " of " + total);
        assertEquals(openai, upstream.calls());
    }

    @Test
    void aFailingDeploymentIsPassedOverUntilItsCooldownEnds() throws Exception {
        upstream.always(FaultyUpstream.error(503));
        // Until openai is drawn first and fails, then the other deployment serves the request.
        HttpResponse<String> response = null;
        for (int i = 0; i < 50 && upstream.calls() == 0; i++) {
            response = chat(gateway, "gpt-4o", false);
            assertEquals(200, response.statusCode());
            assertEquals("mock", provider(response));
        }
        assertEquals(1, upstream.calls());
        assertEquals(2, attempts(response), "the failed deployment, then the other one");

        long failedAt = System.currentTimeMillis();
        int during = 0;
        while (System.currentTimeMillis() - failedAt < COOLDOWN / 2) {
            response = chat(gateway, "gpt-4o", during % 2 == 1);
            assertEquals("mock", provider(response));
            assertEquals(1, attempts(response), "the failed deployment is not tried first");
            during++;
        }
        assertTrue(during >= 5, "only " + during + " requests");
        assertEquals(1, upstream.calls(), "nothing reached the failed deployment during its cooldown");

        // Recovered, and the cooldown over: it gets its share again.
        upstream.always(FaultyUpstream.ok("back"));
        Thread.sleep(COOLDOWN - (System.currentTimeMillis() - failedAt) + 100);
        int openai = 0;
        for (int i = 0; i < 40; i++) {
            if ("openai".equals(provider(chat(gateway, "gpt-4o", false)))) {
                openai++;
            }
        }
        assertTrue(openai >= 15, "openai served " + openai + " of 40 after recovering");
    }

    @Test
    void aDeploymentWhoseBreakerIsOpenIsSkipped() throws Exception {
        gateway.context().getRegistry().lookupByNameAndType("breakers", Breakers.class).breaker("openai", "openai").transitionToForcedOpenState();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = chat(gateway, "gpt-4o", i % 4 == 3);
            assertEquals(200, response.statusCode());
            assertEquals("mock", provider(response));
            assertEquals(1, attempts(response), "the open deployment is not even tried");
        }
        assertEquals(0, upstream.calls());

        gateway.context().getRegistry().lookupByNameAndType("breakers", Breakers.class).breaker("openai", "openai").transitionToClosedState();
        int openai = 0;
        for (int i = 0; i < 40; i++) {
            if ("openai".equals(provider(chat(gateway, "gpt-4o", false)))) {
                openai++;
            }
        }
        assertTrue(openai >= 15, "openai served " + openai + " of 40 once its breaker closed");
    }
}
