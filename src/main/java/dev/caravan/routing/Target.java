package dev.caravan.routing;

/**
 * One place a request can be served: a provider, the model id that provider knows, and the provider account that
 * pays for it ({@code null}: the provider's default account, {@code caravan.<provider>.*}; else a named account of
 * {@code caravan.accounts}). For Azure OpenAI the model is the deployment's name.
 */
public record Target(String provider, String model, String account) {

    /** A target on the provider's default account. */
    public Target(String provider, String model) {
        this(provider, model, null);
    }

    /** The model name {@code provider/model}, as the catalog prices it (the same for every account). */
    public String name() {
        return provider + "/" + model;
    }

    /** {@code provider/model}, with {@code @account} for a named account. */
    @Override
    public String toString() {
        return account == null ? name() : name() + "@" + account;
    }
}
