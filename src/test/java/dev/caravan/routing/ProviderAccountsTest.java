package dev.caravan.routing;

import dev.caravan.providers.AccountCalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Named provider accounts: their configuration, and the catalog's deployments that name them. */
class ProviderAccountsTest {

    @TempDir
    Path dir;

    static ProviderAccounts load(Map<String, String> properties) {
        return ProviderAccounts.load(properties::get);
    }

    static final ProviderAccounts ACCOUNTS = ProviderAccounts.of(
            new ProviderAccounts.Account("backup", "openai", "https://api.openai.com/v1", "sk-b", null),
            new ProviderAccounts.Account("azure-east", "azure-openai", "https://east.openai.azure.com", "az",
                    "2024-10-21"),
            new ProviderAccounts.Account("spare", "openai", "https://api.openai.com/v1", "", null));

    // ---- configuration -------------------------------------------------------------------------------------

    @Test
    void accountsAreReadFromTheirKeysWithProviderDefaults() {
        Map<String, String> p = new HashMap<>();
        p.put("caravan.accounts", " backup , azure-east,claude-eu ");
        p.put("caravan.accounts.backup.provider", "openai");
        p.put("caravan.accounts.backup.api-key", "sk-backup");
        p.put("caravan.accounts.azure-east.provider", "azure-openai");
        p.put("caravan.accounts.azure-east.base-url", "https://east.openai.azure.com/");
        p.put("caravan.accounts.azure-east.api-key", "az-key");
        p.put("caravan.accounts.claude-eu.provider", "anthropic");
        ProviderAccounts accounts = load(p);

        assertEquals(List.of("backup", "azure-east", "claude-eu"), List.copyOf(accounts.names()));
        assertEquals("https://api.openai.com/v1", accounts.get("backup").baseUrl());
        assertEquals("https://east.openai.azure.com", accounts.get("azure-east").baseUrl(), "trailing / dropped");
        assertEquals("2024-10-21", accounts.get("azure-east").apiVersion(), "Azure's default API version");
        assertEquals("https://api.anthropic.com", accounts.get("claude-eu").baseUrl());
        assertFalse(accounts.get("claude-eu").offered(), "no key, not offered");
        assertEquals(List.of("backup", "azure-east"), accounts.offered().stream()
                .map(ProviderAccounts.Account::name).toList());
        assertNull(accounts.get("nowhere"));
        assertTrue(load(Map.of()).names().isEmpty());
    }

    @Test
    void anAccountsStringNeverShowsItsKey() {
        ProviderAccounts.Account account = new ProviderAccounts.Account("b", "openai", "https://x.example/v1",
                "sk-secret-123", null);
        assertFalse(account.toString().contains("sk-secret-123"), account.toString());
    }

    @Test
    void malformedAccountsStopTheGatewayWithTheKeyToFix() {
        assertMessage("caravan.accounts.a.provider must be one of openai, azure-openai, anthropic, was 'azure'",
                Map.of("caravan.accounts", "a", "caravan.accounts.a.provider", "azure"));
        assertMessage("caravan.accounts.a.base-url is required for azure-openai",
                Map.of("caravan.accounts", "a", "caravan.accounts.a.provider", "azure-openai"));
        assertMessage("caravan.accounts.a.base-url must be an http(s) URL",
                Map.of("caravan.accounts", "a", "caravan.accounts.a.provider", "openai",
                        "caravan.accounts.a.base-url", "api.openai.com/v1"));
        assertMessage("'Backup' is not a valid account name", Map.of("caravan.accounts", "Backup"));
        assertMessage("'a' is listed twice", Map.of("caravan.accounts", "a, a", "caravan.accounts.a.provider",
                "openai"));
    }

    private static void assertMessage(String expected, Map<String, String> properties) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(properties));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void urlsComeFromTheAccountOnly() {
        assertEquals("https://east.openai.azure.com/openai/deployments/my-gpt4o/chat/completions"
                + "?api-version=2024-10-21", AccountCalls.url(ACCOUNTS.get("azure-east"), "my-gpt4o"));
        assertEquals("https://api.openai.com/v1/chat/completions", AccountCalls.url(ACCOUNTS.get("backup"), "gpt-4o"));
        assertEquals("https://api.anthropic.com/v1/messages", AccountCalls.url(new ProviderAccounts.Account("c",
                "anthropic", "https://api.anthropic.com", "k", null), "claude-sonnet-4-5"));
    }

    // ---- the catalog naming accounts -----------------------------------------------------------------------

    private ModelRouter router(String deployments) throws Exception {
        Path file = dir.resolve("catalog.yaml");
        Files.writeString(file, "deployments:\n" + deployments);
        return new ModelRouter(file, provider -> !"azure-openai".equals(provider), ACCOUNTS);
    }

    @Test
    void deploymentsOnAccountsAreDistinctTargets() throws Exception {
        ModelRouter router = router("""
                  gpt-4o:
                    - {target: openai/gpt-4o, weight: 3}
                    - {target: openai/gpt-4o, account: backup}
                    - {target: openai/gpt-4o, account: spare}
                    - {target: azure-openai/my-gpt4o, account: azure-east, weight: 2}
                """);
        assertEquals(List.of(List.of(
                new WeightedTarget(new Target("openai", "gpt-4o"), 3),
                new WeightedTarget(new Target("openai", "gpt-4o", "backup"), 1),
                new WeightedTarget(new Target("azure-openai", "my-gpt4o", "azure-east"), 2))),
                router.candidates("gpt-4o"), "the keyless account is left out");
        assertEquals("openai/gpt-4o@backup", new Target("openai", "gpt-4o", "backup").toString());
        assertEquals("openai/gpt-4o", new Target("openai", "gpt-4o", "backup").name(), "priced as the model");
    }

    @Test
    void aDeploymentNamingAnUnknownAccountMakesTheCatalogInvalid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> router("""
                  gpt-4o:
                    - openai/gpt-4o
                    - {target: openai/gpt-4o, account: nowhere}
                """));
        assertEquals("catalog: deployments.gpt-4o[1].account 'nowhere' is not a configured account "
                + "(caravan.accounts: azure-east, backup, spare)", e.getMessage());
    }

    @Test
    void anAccountOfAnotherProviderMakesTheCatalogInvalid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> router("""
                  gpt-4o:
                    - {target: openai/gpt-4o, account: azure-east}
                """));
        assertTrue(e.getMessage().contains("'azure-east' is an azure-openai account, but the target openai/gpt-4o "
                + "is on openai"), e.getMessage());
    }

    @Test
    void anAzureDeploymentNeedsAnAccountAndAPlainName() {
        assertThrows(IllegalArgumentException.class, () -> router("""
                  gpt-4o:
                    - azure-openai/my-gpt4o
                """));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> router("""
                  gpt-4o:
                    - {target: "azure-openai/../../admin?x=", account: azure-east}
                """));
        assertTrue(e.getMessage().contains("is not an Azure OpenAI deployment name"), e.getMessage());
    }

    @Test
    void aBlankOrNonTextAccountIsAMalformedCatalog() {
        assertThrows(IllegalArgumentException.class, () -> router("""
                  gpt-4o:
                    - {target: openai/gpt-4o, account: ""}
                """));
        assertThrows(IllegalArgumentException.class, () -> router("""
                  gpt-4o:
                    - {target: openai/gpt-4o, account: [backup]}
                """));
    }
}
