package dev.caravan.routing;

import dev.caravan.ops.LogLines;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A name in a chain, an alias or a deployment that reaches its provider only by a prefix rule, or by an explicit
 * provider the catalog lists other models of, and that the catalog lists nowhere (a typo such as gpt-4o-mnii) gets one
 * WARN line when the catalog loads or reloads; the catalog still serves. Names the catalog knows get none, and neither
 * does an explicit name of a provider the catalog lists nothing of.
 */
class UnlistedModelsTest {

    /** Every kind of name the catalog knows, in every place a name may be: no warning. */
    private static final String KNOWN = """
            aliases:
              fast: gpt-4o-mini
              pooled: pool
              chat: fast
            fallbacks:
              gpt-4o: [gpt-4o-mini, fast, pool, mock/mock-of-a-provider-listed-nowhere,
                       us.anthropic.claude-3-haiku-20240307-v1:0, bedrock/eu.anthropic.claude-3-haiku-20240307-v1:0]
            defaultFallbacks: [claude-3-haiku-20240307, us.writer.palmyra-x5-v1:0]
            deployments:
              pool:
                - gpt-4o-mini
                - {target: openai/gpt-4o, weight: 2}
            models:
              openai/gpt-4o:              {input: 2.50, output: 10.00}
              openai/gpt-4o-mini:         {input: 0.15, output: 0.60}
              anthropic/claude-3-haiku-20240307: {input: 0.25, output: 1.25}
              bedrock/anthropic.claude-3-haiku-20240307-v1:0: {input: 0.25, output: 1.25}
              bedrock/us.writer.palmyra-x5-v1:0: {family: writer}
            """;

    @TempDir
    Path dir;
    private Path file;

    @BeforeEach
    void writeCatalog() throws IOException {
        file = dir.resolve("catalog.yaml");
    }

    @Test
    void aCatalogOfKnownNamesLoadsAndReloadsWithoutAWarning() throws IOException {
        Files.writeString(file, KNOWN);
        try (LogLines log = LogLines.capture(ModelRouter.class.getName())) {
            ModelRouter router = new ModelRouter(file, provider -> true);
            edit(KNOWN.replace("defaultFallbacks:", "defaultProvider: openai\ndefaultFallbacks:"));
            assertTrue(router.reloadIfChanged());

            assertEquals(List.of(), log.matching(line -> line.level().equals("WARN")));
        }
    }

    @Test
    void aTypoInAChainAnAliasOrADeploymentIsOneWarningPerNameAtLoad() throws IOException {
        Files.writeString(file, KNOWN.replace("[gpt-4o-mini, fast,", "[gpt-4o-mnii, fast,")
                .replace("fast: gpt-4o-mini", "fast: gpt-4o-mnii")
                .replace("    - gpt-4o-mini", "    - claude-3-haiku-2024037"));
        try (LogLines log = LogLines.capture(ModelRouter.class.getName())) {
            ModelRouter router = new ModelRouter(file, provider -> true);

            List<String> warnings = warnings(log);
            assertEquals(2, warnings.size(), warnings.toString());
            assertEquals("Catalog " + file + ": aliases.fast, fallbacks.gpt-4o[0] names 'gpt-4o-mnii', a model the "
                    + "catalog does not list (no price, alias or deployment); its prefix sends it to openai as "
                    + "openai/gpt-4o-mnii. If it is a typo, requests will fail there only when they fall back to it "
                    + "(the provider's 404); if it is a new model, price it under models (while a budget applies, an "
                    + "unpriced model is not called)", warnings.get(0));
            assertTrue(warnings.get(1).startsWith("Catalog " + file + ": deployments.pool[0] names "
                    + "'claude-3-haiku-2024037', a model the catalog does not list"), warnings.get(1));
            assertTrue(warnings.get(1).contains("its prefix sends it to anthropic as "
                    + "anthropic/claude-3-haiku-2024037."), warnings.get(1));
            assertEquals(new Target("openai", "gpt-4o-mnii"), router.resolve("fast"), "the catalog still serves");
        }
    }

    @Test
    void anExplicitNameListedNowhereIsOneWarningPerNameWhenTheCatalogListsModelsOfItsProvider() throws IOException {
        Files.writeString(file, KNOWN.replace("fast: gpt-4o-mini", "fast: anthropic/claude-sonet-4")
                .replace("[gpt-4o-mini, fast,", "[openai/gpt-4o-mnii, fast,")
                .replace("{target: openai/gpt-4o, weight: 2}", "{target: openai/gpt-4o-mnii, weight: 2}"));
        try (LogLines log = LogLines.capture(ModelRouter.class.getName())) {
            ModelRouter router = new ModelRouter(file, provider -> true);

            List<String> warnings = warnings(log);
            assertEquals(2, warnings.size(), warnings.toString());
            assertEquals("Catalog " + file + ": aliases.fast names 'anthropic/claude-sonet-4', a model the catalog "
                    + "does not list (no price, alias or deployment); its explicit provider sends it to anthropic as "
                    + "anthropic/claude-sonet-4. If it is a typo, requests will fail there only when they fall back to "
                    + "it (the provider's 404); if it is a new model, price it under models (while a budget applies, "
                    + "an unpriced model is not called)", warnings.get(0));
            assertTrue(warnings.get(1).startsWith("Catalog " + file + ": fallbacks.gpt-4o[0], deployments.pool[1] "
                    + "names 'openai/gpt-4o-mnii', a model the catalog does not list"), warnings.get(1));
            assertEquals(new Target("anthropic", "claude-sonet-4"), router.resolve("fast"), "the catalog still serves");
        }
    }

    @Test
    void aTypoAddedByAReloadIsWarnedOfInTheReloadsLog() throws IOException {
        Files.writeString(file, KNOWN);
        ModelRouter router = new ModelRouter(file, provider -> true);
        try (LogLines log = LogLines.capture(ModelRouter.class.getName())) {
            edit(KNOWN.replace("defaultFallbacks: [claude-3-haiku-20240307,",
                    "defaultFallbacks: [claude-3-haiku-20240307, claude-3-haikuu,"));

            assertTrue(router.reloadIfChanged(), "the catalog is not refused");

            List<String> warnings = warnings(log);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("Catalog " + file + ": defaultFallbacks[1] names 'claude-3-haikuu'"),
                    warnings.get(0));
            assertTrue(warnings.get(0).contains("sends it to anthropic as anthropic/claude-3-haikuu."),
                    warnings.get(0));
            assertEquals(1, log.matching(line -> line.level().equals("INFO") && line.message().contains("reloaded"))
                    .size(), "beside the reload's own line: " + log.lines());
        }
    }

    @Test
    void aNameOnlyTheDefaultProviderServesIsWarnedOfAsSuch() throws IOException {
        Files.writeString(file, KNOWN.replace("defaultFallbacks:", "defaultProvider: openai\ndefaultFallbacks:")
                .replace("fast: gpt-4o-mini", "fast: my-finetune"));
        try (LogLines log = LogLines.capture(ModelRouter.class.getName())) {
            new ModelRouter(file, provider -> true);

            List<String> warnings = warnings(log);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("aliases.fast names 'my-finetune'")
                    && warnings.get(0).contains("defaultProvider sends it to openai as openai/my-finetune."),
                    warnings.get(0));
        }
    }

    @Test
    void theShippedCatalogNamesNoUnlistedModel() throws IOException {
        assertEquals(List.of(), UnlistedModels.in(new ModelRouter(Path.of("config", "catalog.yaml"), p -> true)
                .catalog()));
    }

    private static List<String> warnings(LogLines log) {
        return log.matching(line -> line.level().equals("WARN")).stream().map(LogLines.Line::message).toList();
    }

    private void edit(String content) throws IOException {
        FileTime before = Files.getLastModifiedTime(file);
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.fromMillis(before.toMillis() + 2000));
    }
}
