package dev.caravan.routing;

import dev.caravan.core.GatewayException;
import dev.caravan.ops.LogLines;
import dev.caravan.pricing.Price;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelRouterTest {

    private static final String CATALOG = """
            defaultProvider: ""
            aliases:
              chat: claude-3.5-sonnet
              claude-3.5-sonnet: bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0
              summary: gpt-3.5-turbo
              fast: mock-echo
              loop-a: loop-b
              loop-b: loop-a
              broken: nonsense-model
            fallbacks:
              claude-3.5-sonnet: [gpt-4, claude-3-haiku-20240307]
              gpt-4o: [openai/gpt-4o-mini, fast]
              anthropic.claude-3-haiku-20240307-v1:0: [claude-3-haiku-20240307]
              mock/mock-stream: [gpt-4]
            defaultFallbacks: [mock-echo]
            models:
              openai/gpt-4:                 {input: 30.00, output: 60.00}
              openai/gpt-4o:                {input: 2.50, cachedInput: 1.25, output: 10.00}
              anthropic/claude-3-haiku-20240307: {input: 0.25, cachedInput: 0.03, cacheWrite: 0.30, output: 1.25, maxOutputTokens: 4096}
              bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0: {input: 3.00, output: 15.00, maxOutputTokens: 8192}
              bedrock/amazon.nova-lite-v1:0:    {input: 0.06, cachedInput: 0.015, output: 0.24}
              bedrock/us.amazon.nova-lite-v1:0: {input: 0.07, output: 0.28}
              mock/mock-echo:               {input: 1.00, output: 2.00}
              mock/mock-stream:             {input: 1.00, output: 2.00}
            """;

    @TempDir
    Path dir;

    private Path file;
    private final Set<String> offered = new HashSet<>(Set.of("openai", "anthropic", "bedrock", "mock"));
    private ModelRouter router;

    @BeforeEach
    void writeCatalog() throws IOException {
        file = dir.resolve("catalog.yaml");
        Files.writeString(file, CATALOG);
        router = new ModelRouter(file, offered::contains);
    }

    // ---- resolve -------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            // explicit provider/model wins over aliases and prefixes
            "openai/gpt-4o,                                  openai/gpt-4o",
            "anthropic/claude-3-haiku-20240307,              anthropic/claude-3-haiku-20240307",
            "bedrock/anthropic.claude-3-haiku-20240307-v1:0, bedrock/anthropic.claude-3-haiku-20240307-v1:0",
            "mock/mock-echo,                                 mock/mock-echo",
            "openai/claude-3-haiku,                          openai/claude-3-haiku",
            "bedrock/chat,                                   bedrock/chat",
            // aliases, also chained
            "chat,                                           bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
            "claude-3.5-sonnet,                              bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
            "summary,                                        openai/gpt-3.5-turbo",
            "fast,                                           mock/mock-echo",
            // prefix rules, one row per prefix
            "gpt-4o-mini,                                    openai/gpt-4o-mini",
            "o1-preview,                                     openai/o1-preview",
            "o3-mini,                                        openai/o3-mini",
            "o4-mini,                                        openai/o4-mini",
            "chatgpt-4o-latest,                              openai/chatgpt-4o-latest",
            "text-embedding-3-small,                         openai/text-embedding-3-small",
            "claude-sonnet-4-5-20250929,                     anthropic/claude-sonnet-4-5-20250929",
            "anthropic.claude-3-haiku-20240307-v1:0,         bedrock/anthropic.claude-3-haiku-20240307-v1:0",
            "amazon.nova-pro-v1:0,                           bedrock/amazon.nova-pro-v1:0",
            "meta.llama3-1-70b-instruct-v1:0,                bedrock/meta.llama3-1-70b-instruct-v1:0",
            "mistral.mistral-large-2402-v1:0,                bedrock/mistral.mistral-large-2402-v1:0",
            "cohere.command-r-plus-v1:0,                     bedrock/cohere.command-r-plus-v1:0",
            "ai21.jamba-1-5-large-v1:0,                      bedrock/ai21.jamba-1-5-large-v1:0",
            "us.anthropic.claude-3-5-sonnet-20240620-v1:0,   bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "eu.anthropic.claude-3-5-sonnet-20240620-v1:0,   bedrock/eu.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "apac.amazon.nova-lite-v1:0,                     bedrock/apac.amazon.nova-lite-v1:0",
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0, bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "jp.anthropic.claude-haiku-4-5-20251001-v1:0,    bedrock/jp.anthropic.claude-haiku-4-5-20251001-v1:0",
            "au.anthropic.claude-sonnet-4-6,                 bedrock/au.anthropic.claude-sonnet-4-6",
            "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0, bedrock/us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "mock-stream,                                    mock/mock-stream"})
    void resolvesAName(String name, String target) {
        assertEquals(target, router.resolve(name).toString());
    }

    @ParameterizedTest(name = "{0} is not a model")
    @ValueSource(strings = {"llama3", "gemini-1.5-pro", "GPT-4", "azure/gpt-4", "openai/", "/gpt-4", "nonsense-model",
            "broken"})
    void anUnknownModelIsA404ModelNotFound(String name) {
        GatewayException error = assertThrows(GatewayException.class, () -> router.resolve(name));

        assertEquals(404, error.status());
        assertEquals("invalid_request_error", error.type());
        assertEquals("model_not_found", error.code());
        assertFalse(error.retryable());
        assertTrue(error.getMessage().contains("'" + name + "'"), error.getMessage());
    }

    @Test
    void anAliasLoopIsA404InsteadOfAHang() {
        GatewayException error = assertThrows(GatewayException.class, () -> router.resolve("loop-a"));

        assertEquals(404, error.status());
        assertEquals("model_not_found", error.code());
        assertTrue(error.getMessage().contains("alias loop"), error.getMessage());
    }

    @Test
    void theDefaultProviderServesNamesNoRuleMatchesButPrefixesStillWin() throws IOException {
        Files.writeString(file, "defaultProvider: openai\n");
        ModelRouter withDefault = new ModelRouter(file, offered::contains);

        assertEquals(new Target("openai", "ft:my-finetune"), withDefault.resolve("ft:my-finetune"));
        assertEquals(new Target("anthropic", "claude-3-opus-20240229"),
                withDefault.resolve("claude-3-opus-20240229"));
        assertEquals(new Target("mock", "mock-echo"), withDefault.resolve("mock-echo"));
    }

    // ---- chain ---------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // from the requested name
            "claude-3.5-sonnet | bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0 openai/gpt-4 anthropic/claude-3-haiku-20240307",
            "gpt-4o            | openai/gpt-4o openai/gpt-4o-mini mock/mock-echo",
            // from an alias the requested name leads through
            "chat              | bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0 openai/gpt-4 anthropic/claude-3-haiku-20240307",
            // from the resolved model, with or without its provider
            "openai/gpt-4o     | openai/gpt-4o openai/gpt-4o-mini mock/mock-echo",
            "bedrock/anthropic.claude-3-haiku-20240307-v1:0 | bedrock/anthropic.claude-3-haiku-20240307-v1:0 anthropic/claude-3-haiku-20240307",
            "mock-stream       | mock/mock-stream openai/gpt-4",
            // the default chain, without repeating the model itself
            "gpt-4.1           | openai/gpt-4.1 mock/mock-echo",
            "mock-echo         | mock/mock-echo",
            "fast              | mock/mock-echo"})
    void buildsTheFallbackChain(String name, String targets) {
        assertEquals(Arrays.asList(targets.split(" ")), router.chain(name).stream().map(Target::toString).toList());
    }

    @Test
    void leavesOutTargetsWhoseProviderIsNotConfigured() {
        offered.retainAll(Set.of("anthropic", "mock"));

        assertEquals(List.of(new Target("anthropic", "claude-3-haiku-20240307")), router.chain("chat"));
        assertEquals(List.of(new Target("mock", "mock-echo")), router.chain("gpt-4o"));
    }

    @Test
    void aModelNoConfiguredProviderCanServeIsA503ProviderNotConfigured() {
        offered.clear();
        offered.add("anthropic");

        GatewayException error = assertThrows(GatewayException.class, () -> router.chain("gpt-4.1"));

        assertEquals(503, error.status());
        assertEquals("provider_not_configured", error.code());
        assertEquals("model", error.param());
        assertFalse(error.retryable());
        assertTrue(error.getMessage().contains("openai/gpt-4.1"), error.getMessage());
    }

    @Test
    void anUnknownModelIsStillA404WhenNoProviderIsConfigured() {
        offered.clear();

        assertEquals(404, assertThrows(GatewayException.class, () -> router.chain("llama3")).status());
    }

    // ---- prices --------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} is priced as input {1}, output {2}")
    @CsvSource({
            "openai/gpt-4o,                                          2.50, 10.00",
            "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0,      3.00, 15.00",
            "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0,   3.00, 15.00",
            "bedrock/eu.anthropic.claude-3-5-sonnet-20240620-v1:0,   3.00, 15.00",
            "bedrock/apac.amazon.nova-lite-v1:0,                     0.06, 0.24",
            "bedrock/us.amazon.nova-lite-v1:0,                       0.07, 0.28",
            "bedrock/global.anthropic.claude-3-5-sonnet-20240620-v1:0, 3.00, 15.00",
            "bedrock/jp.amazon.nova-lite-v1:0,                       0.06, 0.24",
            "bedrock/au.amazon.nova-lite-v1:0,                       0.06, 0.24",
            "bedrock/us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0, 3.00, 15.00"})
    void pricesAModelAndBedrockInferenceProfilesAsTheirBaseModel(String target, BigDecimal input, BigDecimal output) {
        Price price = router.price(router.resolve(target));

        assertNotNull(price, target);
        assertEquals(0, input.compareTo(price.input()));
        assertEquals(0, output.compareTo(price.output()));
    }

    @ParameterizedTest(name = "{0} has no price")
    @ValueSource(strings = {"openai/gpt-4.1", "openai/us.gpt-4o", "bedrock/us.meta.llama3-1-8b-instruct-v1:0",
            "anthropic/us.claude-3-haiku-20240307"})
    void aModelTheCatalogDoesNotListHasNoPrice(String target) {
        assertNull(router.price(router.resolve(target)));
    }

    @Test
    void readsEveryPriceField() {
        Price price = router.price(new Target("anthropic", "claude-3-haiku-20240307"));

        assertEquals(0, new BigDecimal("0.25").compareTo(price.input()));
        assertEquals(0, new BigDecimal("0.03").compareTo(price.cachedInput()));
        assertEquals(0, new BigDecimal("0.30").compareTo(price.cacheWrite()));
        assertEquals(0, new BigDecimal("1.25").compareTo(price.output()));
        assertEquals(4096, price.maxOutputTokens());
        assertNull(router.price(new Target("openai", "gpt-4")).cachedInput());
    }

    @ParameterizedTest(name = "{0} -> max_tokens {1}")
    @CsvSource({
            "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0,    8192",
            "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0, 8192",
            "anthropic/claude-3-haiku-20240307,                    4096",
            "openai/gpt-4o,                                        4096",
            "anthropic/claude-unlisted,                            4096"})
    void defaultMaxTokensComesFromTheCatalogOr4096(String target, int max) {
        assertEquals(max, router.defaultMaxTokens(router.resolve(target)));
    }

    // ---- servableModels ------------------------------------------------------------------------------------

    @Test
    void servableModelsListsPricedModelsAndResolvableAliasesOfConfiguredProviders() {
        assertEquals(List.of("amazon.nova-lite-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0", "chat",
                "claude-3-haiku-20240307", "claude-3.5-sonnet", "fast", "gpt-4", "gpt-4o", "mock-echo", "mock-stream",
                "summary", "us.amazon.nova-lite-v1:0"), ids(router.servableModels()));
        assertTrue(router.servableModels().contains(new ServableModel("chat", "bedrock")));

        offered.retainAll(Set.of("mock"));

        assertEquals(List.of(new ServableModel("fast", "mock"), new ServableModel("mock-echo", "mock"),
                new ServableModel("mock-stream", "mock")), router.servableModels());
    }

    @Test
    void aPricedModelItsBareNameDoesNotReachIsListedByItsCatalogName() throws IOException {
        edit(CATALOG.replace("models:\n", "models:\n  openai/ft:gpt-4o-mini:acme::x1: {input: 0.30, output: 1.20}\n"
                + "  openai/claude-in-house: {input: 1.00, output: 2.00}\n"));
        assertTrue(router.reloadIfChanged());
        offered.retainAll(Set.of("openai"));

        assertEquals(List.of(new ServableModel("gpt-4", "openai"), new ServableModel("gpt-4o", "openai"),
                new ServableModel("openai/claude-in-house", "openai"),
                new ServableModel("openai/ft:gpt-4o-mini:acme::x1", "openai"),
                new ServableModel("summary", "openai")), router.servableModels());
        for (ServableModel listed : router.servableModels()) {
            assertEquals(listed.provider(), router.resolve(listed.id()).provider(), listed.id() + " is servable as listed");
        }
    }

    @Test
    void aNameServedByDeploymentsIsListedWithTheProviderThatServesIt() throws IOException {
        // An Azure-only gateway: no provider's default account has a key, one named account does.
        Files.writeString(file, CATALOG.replace("models:\n", "deployments:\n"
                + "  gpt-4o: [{target: azure-openai/gpt4o-east, account: azure-east}]\n"
                + "  smart: [{target: azure-openai/gpt4o-east, account: azure-east, weight: 2}, openai/gpt-4]\n"
                + "  idle: [{target: azure-openai/gpt4o-west, account: azure-west}]\n"
                + "models:\n"));
        offered.clear();
        ModelRouter onAzure = new ModelRouter(file, offered::contains, ProviderAccounts.of(
                new ProviderAccounts.Account("azure-east", "azure-openai", "https://east.example.com", "azure-key",
                        "2024-10-21"),
                new ProviderAccounts.Account("azure-west", "azure-openai", "https://west.example.com", "", null)));

        assertEquals(List.of(new ServableModel("gpt-4o", "azure-openai"), new ServableModel("smart", "azure-openai")),
                onAzure.servableModels());
        assertEquals(new ServableModel("smart", "azure-openai"), onAzure.servableModel("smart"));
        assertEquals(new ServableModel("openai/gpt-4o", "azure-openai"), onAzure.servableModel("openai/gpt-4o"));
        assertNull(onAzure.servableModel("idle"), "its only account has no key");
        for (ServableModel listed : onAzure.servableModels()) {
            assertEquals(listed.provider(), onAzure.candidates(listed.id()).get(0).get(0).target().provider(),
                    listed.id() + " is served as listed");
        }

        // With OpenAI's key as well, gpt-4o is still Azure's: its deployments, not openai/gpt-4o, serve it.
        offered.add("openai");
        assertTrue(onAzure.servableModels().contains(new ServableModel("gpt-4o", "azure-openai")));
    }

    // ---- reload --------------------------------------------------------------------------------------------

    @Test
    void anUnchangedFileIsNotReloaded() {
        ModelCatalog before = router.catalog();

        assertFalse(router.reloadIfChanged());
        assertSame(before, router.catalog());
    }

    @Test
    void picksUpAnEditedFile() throws IOException {
        edit(CATALOG.replace("  fast: mock-echo", "  fast: gpt-4o"));

        assertTrue(router.reloadIfChanged());
        assertEquals(new Target("openai", "gpt-4o"), router.resolve("fast"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an unknown top-level key        | defaultProvider: \"\"  ==>  defaultProviders: \"\"",
            "an unknown price field          | {input: 2.50, cachedInput: 1.25, output: 10.00}  ==>  {input: 2.50, cached: 1.25, output: 10.00}",
            "a negative price                | {input: 30.00, output: 60.00}  ==>  {input: 30.00, output: -60.00}",
            "a non-numeric price             | {input: 30.00, output: 60.00}  ==>  {input: thirty, output: 60.00}",
            "a quoted price                  | {input: 30.00, output: 60.00}  ==>  {input: '30.00', output: 60.00}",
            "a missing output price          | {input: 30.00, output: 60.00}  ==>  {input: 30.00}",
            "a non-numeric cached price      | {input: 2.50, cachedInput: 1.25, output: 10.00}  ==>  {input: 2.50, cachedInput: cheap, output: 10.00}",
            "a negative cache-write price    | cacheWrite: 0.30  ==>  cacheWrite: -0.30",
            "a non-numeric maxOutputTokens   | maxOutputTokens: 4096  ==>  maxOutputTokens: lots",
            "a zero maxOutputTokens          | maxOutputTokens: 8192  ==>  maxOutputTokens: 0",
            "a zero outputTokensPerSecond    | maxOutputTokens: 8192  ==>  maxOutputTokens: 8192, outputTokensPerSecond: 0",
            "a fractional generation rate    | maxOutputTokens: 8192  ==>  maxOutputTokens: 8192, outputTokensPerSecond: 1.5",
            "a model without its provider    | openai/gpt-4:  ==>  gpt-4:",
            "an alias to a list              | summary: gpt-3.5-turbo  ==>  summary: [gpt-3.5-turbo]",
            "an empty alias                  | summary: gpt-3.5-turbo  ==>  'summary: \"\"'",
            "a fallback chain that is a name | claude-3.5-sonnet: [gpt-4, claude-3-haiku-20240307]  ==>  claude-3.5-sonnet: gpt-4",
            "broken YAML                     | fallbacks:  ==>  fallbacks: [",
            "a file that is a list           | defaultProvider: \"\"  ==>  '- defaultProvider: \"\"'",
            "a misspelt default provider     | defaultProvider: \"\"  ==>  defaultProvider: opneai",
            "a default provider by its case  | defaultProvider: \"\"  ==>  defaultProvider: OpenAI",
            "a default provider of accounts  | defaultProvider: \"\"  ==>  defaultProvider: azure-openai",
            "a default provider in a list    | defaultProvider: \"\"  ==>  defaultProvider: [openai]",
            "a model priced twice            | openai/gpt-4:  ==>  openai/gpt-4: {input: 3.00, output: 6.00}\\n  openai/gpt-4:",
            "an alias given twice            | summary: gpt-3.5-turbo  ==>  summary: gpt-3.5-turbo\\n  summary: gpt-4",
            "a section written twice         | defaultFallbacks:  ==>  fallbacks: {}\\ndefaultFallbacks:"})
    void keepsTheOldCatalogWhenTheEditedFileIsInvalid(String what, String edit) throws IOException {
        String[] change = edit.split("  ==>  ");
        String from = unquote(change[0]);
        assertTrue(CATALOG.contains(from), "the edit applies: " + from);
        String broken = CATALOG.replace(from, unquote(change[1]));
        if (what.equals("a file that is a list")) {
            broken = broken.replace("\n", "\n  ");
        }
        ModelCatalog before = router.catalog();
        try (LogLines log = LogLines.capture(ModelRouter.class.getName())) {
            edit(broken);

            assertFalse(router.reloadIfChanged(), what);
            assertFalse(router.reloadIfChanged(), what + ", checked again");
            List<LogLines.Line> errors = log.matching(line -> line.level().equals("ERROR"));
            assertEquals(1, errors.size(), "one ERROR line however often the file is checked: " + errors);
            String message = errors.get(0).message();
            assertTrue(message.startsWith("Catalog " + file + " rejected, the previous catalog keeps serving: "), message);
            assertFalse(message.contains("\n"), "on one line: " + message);
        }
        assertSame(before, router.catalog());
        assertEquals(new Target("mock", "mock-echo"), router.resolve("fast"));
        assertThrows(Exception.class, () -> ModelCatalog.parse(
                new ByteArrayInputStream(Files.readAllBytes(file))), what + " is rejected by the parser");

        edit(CATALOG.replace("  fast: mock-echo", "  fast: gpt-4o"));
        assertTrue(router.reloadIfChanged(), "a later valid edit is picked up");
        assertEquals(new Target("openai", "gpt-4o"), router.resolve("fast"));
    }

    @Test
    void aKeyFirstGivenEmptyMayBeGivenAgainWithWhatItHolds() throws IOException {
        // as when a section is pasted at the end of the shipped catalog, which has deployments: {}
        edit("deployments: {}\n" + CATALOG + "deployments:\n  pool: [mock/mock-echo]\n");

        assertTrue(router.reloadIfChanged());
        assertEquals(List.of(new Target("mock", "mock-echo")), router.chain("pool"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a typo in a fallback chain        | gpt-4o: [openai/gpt-4o-mini, fast]  ==>  gpt-4o: [gpt4o-mini, fast]"
                    + "  ==>  catalog: fallbacks.gpt-4o[0]: The model 'gpt4o-mini' does not exist",
            "a typo in the default fallbacks   | defaultFallbacks: [mock-echo]  ==>  defaultFallbacks: [mock-echo, mokc-echo]"
                    + "  ==>  catalog: defaultFallbacks[1]: The model 'mokc-echo' does not exist",
            "an alias loop in a fallback chain | mock/mock-stream: [gpt-4]  ==>  mock/mock-stream: [loop-a]"
                    + "  ==>  catalog: fallbacks.mock/mock-stream[0]: The model 'loop-a' is an alias loop",
            "a typo in a deployment's target   | defaultFallbacks:  ==>  deployments: {gpt-4o: [openai/gpt-4o, gpt4o]}\\ndefaultFallbacks:"
                    + "  ==>  catalog: deployments.gpt-4o[1].target: The model 'gpt4o' does not exist"})
    void rejectsACatalogNamingAModelThatDoesNotExistAtLoadAndOnReload(String what, String edit) throws IOException {
        String[] change = edit.split("  ==>  ");
        assertTrue(CATALOG.contains(change[0]), "the edit applies: " + change[0]);
        String broken = CATALOG.replace(change[0], change[1].replace("\\n", "\n"));
        ModelCatalog before = router.catalog();
        edit(broken);

        assertFalse(router.reloadIfChanged(), what);
        assertSame(before, router.catalog(), "the previous catalog keeps serving");
        assertEquals(List.of(new Target("openai", "gpt-4o"), new Target("openai", "gpt-4o-mini"),
                new Target("mock", "mock-echo")), router.chain("gpt-4o"));
        IllegalArgumentException atStart = assertThrows(IllegalArgumentException.class,
                () -> new ModelRouter(file, offered::contains), what + " is refused at start too");
        assertTrue(atStart.getMessage().startsWith(change[2]), atStart.getMessage());

        // A chain may name a model that only has deployments: that is no typo.
        edit(CATALOG.replace("defaultFallbacks: [mock-echo]", "defaultFallbacks: [pool]\ndeployments:\n  pool: "
                + "[mock/mock-echo]"));
        assertTrue(router.reloadIfChanged(), "a later valid edit is picked up");
        assertEquals(List.of(new Target("openai", "gpt-4.1"), new Target("mock", "mock-echo")), router.chain("gpt-4.1"));
    }

    @Test
    void theRepositoryCatalogParsesAndEveryNameInItResolves() throws IOException {
        ModelRouter real = new ModelRouter(Path.of("config", "catalog.yaml"), provider -> true);
        ModelCatalog catalog = real.catalog();

        assertFalse(catalog.prices().isEmpty());
        assertEquals("bedrock", real.resolve("chat").provider());
        for (String alias : catalog.aliases().keySet()) {
            assertNotNull(real.resolve(alias), alias);
        }
        for (String model : catalog.fallbacks().keySet()) {
            assertFalse(real.chain(model).isEmpty(), model);
        }
        for (String priced : catalog.prices().keySet()) {
            Target target = real.resolve(priced);
            assertEquals(priced, target.toString());
            assertSame(catalog.prices().get(priced), real.price(target));
            assertEquals(target, real.resolve(target.model()), priced + " is reachable by its bare name");
        }
        assertEquals(List.of("mock-echo", "mock-stream", "mock-unavailable"),
                ids(new ModelRouter(Path.of("config", "catalog.yaml"), "mock"::equals).servableModels()));
    }

    private static List<String> ids(List<ServableModel> models) {
        return models.stream().map(ServableModel::id).toList();
    }

    private void edit(String content) throws IOException {
        FileTime before = Files.getLastModifiedTime(file);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.fromMillis(before.toMillis() + 2000));
    }

    private static String unquote(String value) {
        String unquoted = value.startsWith("'") && value.endsWith("'") ? value.substring(1, value.length() - 1) : value;
        return unquoted.replace("\\n", "\n");
    }
}
