package dev.caravan.routing;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Named provider accounts, beside each provider's default account ({@code caravan.<provider>.base-url} and
 * {@code api-key}): a second OpenAI key, an Azure OpenAI resource, another Anthropic organisation. Listed in
 * {@code caravan.accounts} and configured under {@code caravan.accounts.<name>.*} (application.properties,
 * "Accounts"). The catalog's deployments name them; URLs and keys come only from here, never from a request.
 */
public final class ProviderAccounts {

    /** The kinds of provider an account may be. */
    public static final List<String> PROVIDERS = List.of("openai", "azure-openai", "anthropic");
    public static final String DEFAULT_AZURE_API_VERSION = "2024-10-21";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Map<String, String> DEFAULT_BASE_URLS = Map.of(
            "openai", "https://api.openai.com/v1",
            "anthropic", "https://api.anthropic.com");

    /** One account. {@link #toString()} leaves the key out, so an account can be logged. */
    public record Account(String name, String provider, String baseUrl, String apiKey, String apiVersion) {

        /** An account with no key is not offered: deployments on it are left out like an unconfigured provider's. */
        public boolean offered() {
            return apiKey != null && !apiKey.isBlank();
        }

        @Override
        public String toString() {
            return name + " (" + provider + " at " + baseUrl + (offered() ? "" : ", no api-key: not offered") + ")";
        }
    }

    private final Map<String, Account> accounts;

    private ProviderAccounts(Map<String, Account> accounts) {
        this.accounts = Collections.unmodifiableMap(new LinkedHashMap<>(accounts));
    }

    public static ProviderAccounts none() {
        return new ProviderAccounts(Map.of());
    }

    public static ProviderAccounts of(Account... accounts) {
        Map<String, Account> map = new LinkedHashMap<>();
        for (Account account : accounts) {
            map.put(account.name(), account);
        }
        return new ProviderAccounts(map);
    }

    /**
     * Reads the accounts listed in {@code caravan.accounts} (comma-separated names); {@code property} answers a key's
     * value or null. A malformed account (unknown provider, missing or bad URL) is an error: the gateway does not
     * start half-configured.
     */
    public static ProviderAccounts load(Function<String, String> property) {
        String list = property.apply("caravan.accounts");
        Map<String, Account> out = new LinkedHashMap<>();
        if (list == null || list.isBlank()) {
            return new ProviderAccounts(out);
        }
        for (String raw : list.split(",")) {
            String name = raw.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("caravan.accounts: '" + name + "' is not a valid account name "
                        + "(lower-case letters, digits and dashes)");
            }
            if (out.containsKey(name)) {
                throw new IllegalArgumentException("caravan.accounts: '" + name + "' is listed twice");
            }
            String prefix = "caravan.accounts." + name + ".";
            String provider = trimmed(property.apply(prefix + "provider"));
            if (!PROVIDERS.contains(provider)) {
                throw new IllegalArgumentException(prefix + "provider must be one of " + String.join(", ", PROVIDERS)
                        + ", was '" + provider + "'");
            }
            String baseUrl = trimmed(property.apply(prefix + "base-url"));
            if (baseUrl.isEmpty()) {
                baseUrl = DEFAULT_BASE_URLS.getOrDefault(provider, "");
            }
            if (baseUrl.isEmpty()) {
                throw new IllegalArgumentException(prefix + "base-url is required for " + provider
                        + " (e.g. https://my-resource.openai.azure.com)");
            }
            baseUrl = checkedUrl(prefix + "base-url", baseUrl);
            String apiVersion = trimmed(property.apply(prefix + "api-version"));
            if ("azure-openai".equals(provider) && apiVersion.isEmpty()) {
                apiVersion = DEFAULT_AZURE_API_VERSION;
            }
            if (!apiVersion.isEmpty() && !apiVersion.matches("[A-Za-z0-9.-]+")) {
                throw new IllegalArgumentException(prefix + "api-version must look like 2024-10-21, was '"
                        + apiVersion + "'");
            }
            out.put(name, new Account(name, provider, baseUrl, trimmed(property.apply(prefix + "api-key")),
                    apiVersion.isEmpty() ? null : apiVersion));
        }
        return new ProviderAccounts(out);
    }

    /** The account of that name, or null when no account has it. */
    public Account get(String name) {
        return name == null ? null : accounts.get(name);
    }

    /** Every configured account, offered or not. */
    public Collection<Account> all() {
        return accounts.values();
    }

    /** The accounts that have a key. */
    public List<Account> offered() {
        List<Account> out = new ArrayList<>();
        accounts.values().stream().filter(Account::offered).forEach(out::add);
        return out;
    }

    public Set<String> names() {
        return accounts.keySet();
    }

    private static String trimmed(String value) {
        return value == null ? "" : value.trim();
    }

    /**
     * A provider's base URL (the setting {@code key}'s value) without the trailing slash the ecosystem's own variables
     * often end in ({@code https://api.openai.com/v1/}), so that an endpoint's path is appended to it as it is.
     *
     * @throws IllegalArgumentException naming {@code key} when it is not an http(s) URL without query
     */
    public static String checkedUrl(String key, String url) {
        String clean = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            URI uri = URI.create(clean);
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    || uri.getQuery() != null || uri.getFragment() != null) {
                throw new IllegalArgumentException("not an http(s) URL without query");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be an http(s) URL without query, was '" + url + "'");
        }
        return clean;
    }
}
