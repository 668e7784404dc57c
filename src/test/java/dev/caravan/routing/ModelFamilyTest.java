package dev.caravan.routing;

import dev.caravan.ops.LogLines;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The family a Bedrock model's id does not show (an application inference profile's ARN) is declared under models and
 * reaches every target of that model, however a request names it; a family the gateway does not know refuses the
 * catalog.
 */
class ModelFamilyTest {

    private static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";
    private static final String UNPRICED_ARN = "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/z9";
    private static final String HAIKU = "bedrock/anthropic.claude-3-haiku-20240307-v1:0: {input: 0.25, output: 1.25}";
    private static final String CATALOG = """
            aliases:
              claude-billed: bedrock/%1$s
              llama-billed: bedrock/%2$s
            fallbacks:
              gpt-4o: [claude-billed]
            deployments:
              pool: [bedrock/%1$s, openai/gpt-4o]
            models:
              openai/gpt-4o: {input: 2.50, output: 10.00}
              bedrock/%1$s: {input: 3.00, output: 15.00, family: anthropic}
              bedrock/%2$s: {family: meta}
              %3$s
            """.formatted(ARN, UNPRICED_ARN, ModelFamilyTest.HAIKU);

    @TempDir
    Path dir;
    private Path file;
    private ModelRouter router;

    @BeforeEach
    void writeCatalog() throws IOException {
        file = dir.resolve("catalog.yaml");
        Files.writeString(file, CATALOG);
        router = new ModelRouter(file, provider -> true);
    }

    @Test
    void theDeclaredFamilyReachesTheTargetByItsNameAnAliasAChainAndADeployment() {
        Target claude = new Target("bedrock", ARN, null, "anthropic");

        assertEquals(claude, router.resolve("bedrock/" + ARN));
        assertEquals(claude, router.resolve("claude-billed"));
        assertEquals(List.of(new Target("openai", "gpt-4o"), claude), router.chain("gpt-4o"));
        assertTrue(router.chain("pool").contains(claude), router.chain("pool").toString());
        assertEquals("meta", router.resolve("llama-billed").family());
    }

    @Test
    void anIdThatNamesItsFamilyNeedsNoDeclarationAndAFamilyAloneIsNoPrice() {
        assertNull(router.resolve("anthropic.claude-3-haiku-20240307-v1:0").family());
        assertNull(router.price(router.resolve("llama-billed")), "declared, not priced");
        assertEquals(Set.of("bedrock/" + ARN, "bedrock/anthropic.claude-3-haiku-20240307-v1:0", "openai/gpt-4o"),
                router.catalog().prices().keySet());
    }

    @Test
    void aFamilyThatAgreesWithTheIdOrIsDeclaredForAnIdThatNamesNoneIsTaken_novaForNovaAlone() throws IOException {
        Map<String, String> declared = Map.of(
                "bedrock/amazon.nova-pro-v1:0", "amazon",
                "bedrock/us.amazon.nova-lite-v1:0", "nova",
                "bedrock/amazon.titan-text-premier-v1:0", "amazon",
                "bedrock/us.amazon.titan-text-express-v1", "titan",
                "bedrock/arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                        + "us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic",
                "bedrock/" + ARN, "nova",
                "bedrock/" + UNPRICED_ARN, "writer");
        StringBuilder models = new StringBuilder("models:\n");
        declared.forEach((model, family) -> models.append("  ").append(model).append(": {family: ").append(family)
                .append("}\n"));

        ModelCatalog parsed = ModelCatalog.parse(new ByteArrayInputStream(models.toString()
                .getBytes(StandardCharsets.UTF_8)));

        assertEquals(declared, parsed.families());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an unknown family           | family: anthropic}  ==>  family: antropic}"
                    + "  ==>  catalog: models.bedrock/" + ARN + ".family must be one of ai21, amazon, anthropic, "
                    + "cohere, deepseek, meta, mistral, nova, titan, writer, not \"antropic\"",
            "a family that is no name    | family: meta}  ==>  family: [meta]}"
                    + "  ==>  catalog: models.bedrock/" + UNPRICED_ARN + ".family must be one of ",
            "a family of another provider | {input: 2.50, output: 10.00}  ==>  {input: 2.50, output: 10.00, family: meta}"
                    + "  ==>  catalog: models.openai/gpt-4o.family: only Bedrock models take a family",
            "neither a price nor a family | {family: meta}  ==>  {maxOutputTokens: 4096}"
                    + "  ==>  catalog: models.bedrock/" + UNPRICED_ARN + " needs numeric input and output prices",
            "a family the model id contradicts | output: 1.25}  ==>  output: 1.25, family: meta}"
                    + "  ==>  catalog: models.bedrock/anthropic.claude-3-haiku-20240307-v1:0.family is meta, but the "
                    + "model id names the anthropic family",
            "nova for a Titan model       | " + HAIKU
                    + "  ==>  bedrock/us.amazon.titan-text-premier-v1:0: {family: nova}"
                    + "  ==>  catalog: models.bedrock/us.amazon.titan-text-premier-v1:0.family is nova, but the model "
                    + "id names the titan family",
            "titan for a Nova model      | " + HAIKU
                    + "  ==>  bedrock/amazon.nova-micro-v1:0: {family: titan}"
                    + "  ==>  catalog: models.bedrock/amazon.nova-micro-v1:0.family is titan, but the model "
                    + "id names the nova family",
            "a foundation model's ARN     | " + HAIKU + "  ==>  bedrock/arn:aws:bedrock:us-east-1::foundation-model/"
                    + "meta.llama3-1-8b-instruct-v1:0: {family: amazon}  ==>  catalog: models.bedrock/arn:aws:bedrock:"
                    + "us-east-1::foundation-model/meta.llama3-1-8b-instruct-v1:0.family is amazon, but the model id "
                    + "names the meta family"})
    void aBadFamilyRefusesTheCatalogAtStartAndOnReload(String what, String edit) throws IOException {
        String[] change = edit.split("  ==>  ");
        assertTrue(CATALOG.contains(change[0]), "the edit applies: " + change[0]);
        ModelCatalog before = router.catalog();
        try (LogLines log = LogLines.capture(ModelRouter.class.getName())) {
            edit(CATALOG.replace(change[0], change[1]));

            assertFalse(router.reloadIfChanged(), what);

            List<LogLines.Line> errors = log.matching(line -> line.level().equals("ERROR"));
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).message().contains("rejected, the previous catalog keeps serving: " + change[2]),
                    errors.get(0).message());
        }
        assertSame(before, router.catalog());
        IllegalArgumentException atStart = assertThrows(IllegalArgumentException.class,
                () -> new ModelRouter(file, provider -> true), what + " is refused at start too");
        assertTrue(atStart.getMessage().startsWith(change[2]), atStart.getMessage());
    }

    private void edit(String content) throws IOException {
        FileTime before = Files.getLastModifiedTime(file);
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.fromMillis(before.toMillis() + 2000));
    }
}
