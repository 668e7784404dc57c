package dev.caravan.providers;

import dev.caravan.routing.CallContext;
import dev.caravan.routing.ProviderAccounts.Account;
import org.apache.camel.Exchange;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The HTTP calls of named provider accounts (route template {@code provider-account}): the same two halves as a
 * provider's default account ({@link HttpProviderCall}), with the account's credentials, plus the request's URL,
 * built from the account's configuration and set as {@code CamelHttpUri}. OpenAI and Anthropic accounts speak
 * their provider's API at their own base URL; an Azure OpenAI account speaks OpenAI's Chat Completions at
 * {@code {base}/openai/deployments/{deployment}/chat/completions?api-version=...} with an {@code api-key} header,
 * the target's model being the deployment's name (Azure ignores the body's {@code model} field).
 */
public final class AccountCalls {

    private record Call(Account account, HttpProviderCall http) {
    }

    private final Map<String, Call> calls = new HashMap<>();

    /**
     * {@code codecs} gives the wire format of each account's provider ({@code openai}, {@code azure-openai},
     * {@code anthropic}); {@code anthropicVersion} is sent to Anthropic accounts as {@code anthropic-version}.
     */
    public AccountCalls(List<Account> accounts, Function<String, HttpProviderCodec> codecs, String anthropicVersion) {
        for (Account account : accounts) {
            calls.put(account.name(), new Call(account,
                    new HttpProviderCall(codecs.apply(account.provider()), headers(account, anthropicVersion))));
        }
    }

    public void prepare(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        Call account = call(call);
        account.http().prepare(exchange);
        exchange.getMessage().setHeader(Exchange.HTTP_URI, url(account.account(), call.servedModel()));
    }

    public void read(Exchange exchange) {
        call(exchange.getProperty(CallContext.PROPERTY, CallContext.class)).http().read(exchange);
    }

    /** The wire format of an offered account's provider, for the sender that reads its streams. */
    public HttpProviderCodec codec(String account) {
        Call found = calls.get(account);
        if (found == null) {
            throw new IllegalStateException("no provider account '" + account + "'");
        }
        return found.http().codec();
    }

    /** The URL of a chat call of {@code model} on {@code account}. */
    public static String url(Account account, String model) {
        switch (account.provider()) {
            case "azure-openai":
                return account.baseUrl() + "/openai/deployments/"
                        + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20")
                        + "/chat/completions?api-version="
                        + URLEncoder.encode(account.apiVersion(), StandardCharsets.UTF_8);
            case "anthropic":
                return account.baseUrl() + "/v1/messages";
            default:
                return account.baseUrl() + "/chat/completions";
        }
    }

    /** The account's credentials as its provider expects them; never logged or returned. */
    static Map<String, String> headers(Account account, String anthropicVersion) {
        switch (account.provider()) {
            case "azure-openai":
                return Map.of("api-key", account.apiKey());
            case "anthropic":
                return Map.of("x-api-key", account.apiKey(), "anthropic-version", anthropicVersion);
            default:
                return Map.of("Authorization", "Bearer " + account.apiKey());
        }
    }

    private Call call(CallContext call) {
        Call found = call == null ? null : calls.get(call.account());
        if (found == null) {
            // Only offered accounts get a route, and the catalog only names configured ones: a bug if it happens.
            throw new IllegalStateException("no provider account '" + (call == null ? null : call.account()) + "'");
        }
        return found;
    }
}
