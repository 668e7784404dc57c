package dev.caravan.resilience;

import dev.caravan.routing.LoadBalancer;
import dev.caravan.routing.ModelCatalog;
import dev.caravan.routing.ModelRouter;
import dev.caravan.routing.Target;
import dev.caravan.routing.WeightedTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deployments in the catalog, how they join the fallback chain, and the load balancer's order. */
class DeploymentsTest {

    static final Target OPENAI = new Target("openai", "gpt-4o");
    static final Target AZURE_LIKE = new Target("openai", "gpt-4o-2024-08-06");
    static final Target MOCK = new Target("mock", "mock-echo");

    @TempDir
    Path dir;

    static ModelCatalog parse(String yaml) throws Exception {
        return ModelCatalog.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsDeploymentsWithWeightsAndPlainNames() throws Exception {
        ModelCatalog catalog = parse("deployments:\n  gpt-4o:\n    - {target: openai/gpt-4o, weight: 3}\n"
                + "    - target: mock/mock-echo\n    - claude-3-haiku\n");
        assertEquals(List.of(new ModelCatalog.Deployment("openai/gpt-4o", 3),
                new ModelCatalog.Deployment("mock/mock-echo", 1), new ModelCatalog.Deployment("claude-3-haiku", 1)),
                catalog.deployments().get("gpt-4o"));
    }

    @Test
    void rejectsMalformedDeployments() {
        for (String bad : List.of(
                "deployments:\n  gpt-4o:\n    - {target: openai/gpt-4o, weigth: 3}\n",
                "deployments:\n  gpt-4o:\n    - {target: openai/gpt-4o, weight: 0}\n",
                "deployments:\n  gpt-4o:\n    - {target: openai/gpt-4o, weight: 1.5}\n",
                "deployments:\n  gpt-4o:\n    - {target: openai/gpt-4o, weight: \"3\"}\n",
                "deployments:\n  gpt-4o:\n    - {weight: 3}\n",
                "deployments:\n  gpt-4o: []\n",
                "deployments:\n  gpt-4o: openai/gpt-4o\n",
                "deployments:\n  gpt-4o:\n    - [openai/gpt-4o]\n")) {
            assertThrows(IllegalArgumentException.class, () -> parse(bad), bad);
        }
    }

    @Test
    void deploymentsComeFirstThenTheFallbackChain() throws Exception {
        Path file = dir.resolve("catalog.yaml");
        Files.writeString(file, "aliases:\n  smart: gpt-4o\n"
                + "fallbacks:\n  gpt-4o: [claude-3-haiku-20240307, fast]\n"
                + "deployments:\n"
                + "  gpt-4o:\n    - {target: openai/gpt-4o, weight: 3}\n    - {target: openai/gpt-4o-2024-08-06}\n"
                + "  fast:\n    - mock/mock-echo\n    - openai/gpt-4o\n");
        Set<String> offered = new HashSet<>(Set.of("openai", "anthropic", "mock"));
        ModelRouter router = new ModelRouter(file, offered::contains);

        List<List<WeightedTarget>> groups = router.candidates("smart");
        assertEquals(List.of(
                List.of(new WeightedTarget(OPENAI, 3), new WeightedTarget(AZURE_LIKE, 1)),
                List.of(new WeightedTarget(new Target("anthropic", "claude-3-haiku-20240307"), 1)),
                List.of(new WeightedTarget(MOCK, 1))), groups, "openai/gpt-4o is not repeated in 'fast'");
        assertEquals(List.of(OPENAI, AZURE_LIKE, new Target("anthropic", "claude-3-haiku-20240307"), MOCK),
                router.chain("gpt-4o"));

        offered.remove("openai");
        assertEquals(List.of(new Target("anthropic", "claude-3-haiku-20240307"), MOCK), router.chain("gpt-4o"));
    }

    @Test
    void aModelNameKnownOnlyThroughItsDeploymentsIsServed() throws Exception {
        Path file = dir.resolve("catalog.yaml");
        Files.writeString(file, "deployments:\n  house-model:\n    - mock/mock-echo\n");
        ModelRouter router = new ModelRouter(file, p -> true);
        assertEquals(List.of(MOCK), router.chain("house-model"));
    }

    @Test
    void spreadsByWeight() {
        LoadBalancer balancer = new LoadBalancer();
        List<WeightedTarget> group = List.of(new WeightedTarget(OPENAI, 3), new WeightedTarget(MOCK, 1));
        Random random = new Random(42);
        Map<Target, Integer> first = new HashMap<>();
        for (int i = 0; i < 40_000; i++) {
            List<Target> order = balancer.order(group, t -> false, random);
            assertEquals(2, order.size());
            first.merge(order.get(0), 1, Integer::sum);
        }
        assertTrue(Math.abs(first.get(OPENAI) - 30_000) < 600, "first pick: " + first);
    }

    @Test
    void passesOverFailedDeploymentsUntilTheirCooldownEndsAndOpenBreakersAlways() {
        AtomicLong now = new AtomicLong(1_000);
        LoadBalancer balancer = new LoadBalancer(now::get);
        List<WeightedTarget> group = List.of(new WeightedTarget(OPENAI, 100), new WeightedTarget(MOCK, 1));
        Random random = new Random(7);
        balancer.order(group, t -> false, random);

        balancer.failed(OPENAI, 5_000);
        for (int i = 0; i < 50; i++) {
            assertEquals(List.of(MOCK, OPENAI), balancer.order(group, t -> false, random));
        }
        now.addAndGet(5_001);
        int openaiFirst = 0;
        for (int i = 0; i < 50; i++) {
            openaiFirst += balancer.order(group, t -> false, random).get(0).equals(OPENAI) ? 1 : 0;
        }
        assertTrue(openaiFirst > 40, "back to its weight after the cooldown: " + openaiFirst);

        for (int i = 0; i < 50; i++) {
            assertEquals(List.of(MOCK, OPENAI), balancer.order(group, t -> t.provider().equals("openai"), random));
        }
        balancer.failed(OPENAI, 5_000);
        balancer.succeeded(OPENAI);
        assertTrue(!balancer.coolingDown(OPENAI), "an answer ends the cooldown");
    }

    @Test
    void onlyDeploymentsCoolDown() {
        LoadBalancer balancer = new LoadBalancer();
        Target adHoc = new Target("openai", "anything-a-caller-sent");
        balancer.failed(adHoc, 5_000);
        assertTrue(!balancer.coolingDown(adHoc), "targets outside any deployment group are not tracked");
    }
}
