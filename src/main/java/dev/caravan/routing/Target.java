package dev.caravan.routing;

/**
 * One place a request can be served: a provider, the model id that provider knows, and the provider account that
 * pays for it ({@code null}: the provider's default account, {@code caravan.<provider>.*}; else a named account of
 * {@code caravan.accounts}). For Azure OpenAI the model is the deployment's name. {@code family} is the model family
 * the catalog declares for a Bedrock model whose id does not name it (an application inference profile's ARN); null
 * when it declares none.
 */
public record Target(String provider, String model, String account, String family) {

    /** A target on the provider's default account. */
    public Target(String provider, String model) {
        this(provider, model, null, null);
    }

    /** A target on {@code account}, of no declared family. */
    public Target(String provider, String model, String account) {
        this(provider, model, account, null);
    }

    /** The model name {@code provider/model}, as the catalog prices it (the same for every account). */
    public String name() {
        return provider + "/" + model;
    }

    /**
     * Whether the target serves one of Anthropic's Claude models: on Anthropic's API, or on Bedrock of the family the
     * catalog declares (an application inference profile's ARN names none), else by its model id or cross-region
     * inference profile ({@code anthropic.} or {@code us.anthropic.} ...).
     */
    public boolean claude() {
        if ("anthropic".equals(provider)) {
            return true;
        }
        if (!"bedrock".equals(provider)) {
            return false;
        }
        return family != null ? "anthropic".equals(family) : model != null && model.contains("anthropic.");
    }

    /** {@code provider/model}, with {@code @account} for a named account. */
    @Override
    public String toString() {
        return account == null ? name() : name() + "@" + account;
    }
}
