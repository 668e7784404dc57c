package dev.caravan.routing;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The catalog the gateway ships with, as integration engineers get it. */
class ShippedCatalogTest {

    /**
     * A request that sets no max_tokens is reserved against budgets at its model's maxOutputTokens. A priced model
     * without one would be reserved at 4,096 output tokens while OpenAI lets it answer with up to 128,000, and
     * concurrent requests could overshoot a budget by the difference.
     */
    @Test
    void everyPricedModelNamesItsLongestAnswerSoBudgetsReserveIt() throws Exception {
        ModelCatalog catalog;
        try (InputStream in = Files.newInputStream(Path.of("config/catalog.yaml"))) {
            catalog = ModelCatalog.parse(in);
        }
        List<String> without = catalog.prices().entrySet().stream()
                .filter(e -> !e.getKey().startsWith("mock/"))
                .filter(e -> e.getValue().maxOutputTokens() == null)
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        assertEquals(List.of(), without, "priced models without maxOutputTokens");
    }

    @Test
    void aRequestWithoutMaxTokensIsReservedAtTheModelsLongestAnswer() throws Exception {
        ModelRouter router = new ModelRouter(Path.of("config/catalog.yaml"), provider -> true);
        assertEquals(16_384, router.defaultMaxTokens(router.resolve("gpt-4o-mini")));
        assertEquals(100_000, router.defaultMaxTokens(router.resolve("o3")));
        assertEquals(8_192, router.defaultMaxTokens(router.resolve("chat")));
    }
}
