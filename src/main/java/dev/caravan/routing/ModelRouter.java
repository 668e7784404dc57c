package dev.caravan.routing;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.caravan.core.GatewayException;
import dev.caravan.pricing.Price;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a model name to the targets that may serve it (DESIGN.md §3, "Model routing"): explicit
 * {@code provider/model}, then catalog aliases, then prefix rules, then the default provider; and appends the
 * model's fallback chain. Holds the catalog file and swaps in a new one when the file changes and parses.
 */
public final class ModelRouter {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRouter.class);
    public static final Set<String> PROVIDERS = Set.of("openai", "azure-openai", "anthropic", "bedrock",
            "mock");
    private static final List<String> OPENAI_PREFIXES = List.of("gpt-", "o1", "o3", "o4", "chatgpt-", "text-");
    /** Bedrock's system-defined cross-region inference profiles: a geography's (us., eu., ...) or the global one. */
    private static final List<String> REGION_PREFIXES = List.of("us.", "eu.", "apac.", "jp.", "au.", "us-gov.",
            "global.");
    private static final List<String> BEDROCK_PREFIXES = Stream.concat(Stream.of("anthropic.",
            "amazon.", "meta.", "mistral.", "cohere.", "ai21."), REGION_PREFIXES.stream()).toList();
    private static final int MAX_ALIAS_DEPTH = 8;
    private static final java.util.regex.Pattern AZURE_DEPLOYMENT = java.util.regex.Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Path file;
    private final Predicate<String> offered;
    private final ProviderAccounts accounts;
    private volatile ModelCatalog catalog;
    /** The file's content when last read (loaded or rejected): a reload happens when the content differs. */
    private volatile byte[] seen;
    /** Aliases already logged as left out of the model list. */
    private final Set<String> unlisted = ConcurrentHashMap.newKeySet();

    public ModelRouter(Path file, Predicate<String> offered) throws IOException {
        this(file, offered, ProviderAccounts.none());
    }

    /**
     * {@code offered} says whether a provider's default account is configured; a target on a named account is offered
     * when {@code accounts} has that account with a key.
     */
    public ModelRouter(Path file, Predicate<String> offered, ProviderAccounts accounts) throws IOException {
        this.file = file;
        this.offered = offered;
        this.accounts = accounts;
        this.seen = Files.readAllBytes(file);
        this.catalog = checked(ModelCatalog.parse(new ByteArrayInputStream(seen)));
        warnOfUnlistedModels(catalog);
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    /**
     * Reloads the catalog if its file's content changed; a file that does not parse is logged once and ignored, and
     * the previous catalog keeps serving. The content is compared rather than the modification time: the file is
     * small, and a time stamp can miss an edit: file system clocks are coarse, so a half-written file read in the
     * same tick as its completion would keep the rejected half forever. A file that cannot be read (an editor's
     * delete-and-rename, a missing mount) is logged once and read again on the next check.
     */
    public synchronized boolean reloadIfChanged() {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            if (seen != null) {
                LOG.error("Catalog {} cannot be read, the previous catalog keeps serving: {}", file, e.toString());
            }
            seen = null;
            return false;
        }
        if (Arrays.equals(content, seen)) {
            return false;
        }
        seen = content;
        try {
            catalog = checked(ModelCatalog.parse(new ByteArrayInputStream(content)));
        } catch (IOException | RuntimeException e) {
            LOG.error("Catalog {} rejected, the previous catalog keeps serving: {}", file, reason(e));
            return false;
        }
        LOG.info("Catalog {} reloaded: {} aliases, {} fallback chains, {} models with deployments, {} priced "
                + "models", file, catalog.aliases().size(), catalog.fallbacks().size(), catalog.deployments().size(),
                catalog.prices().size());
        warnOfUnlistedModels(catalog);
        return true;
    }

    /**
     * One WARN line per name that reaches a provider by a prefix rule (or defaultProvider) alone and that the catalog
     * lists nowhere ({@link UnlistedModels}): a typo there would show only as the provider's 404 when a request falls
     * back to it.
     */
    private void warnOfUnlistedModels(ModelCatalog loaded) {
        for (UnlistedModels.Unlisted unlisted : UnlistedModels.in(loaded)) {
            LOG.warn("Catalog {}: {} names '{}', a model the catalog does not list (no price, alias or deployment); {} "
                    + "sends it to {} as {}. If it is a typo, requests will fail there only when they fall back to it "
                    + "(the provider's 404); if it is a new model, price it under models (while a budget applies, an "
                    + "unpriced model is not called)", file, String.join(", ", unlisted.places()), unlisted.name(),
                    unlisted.rule(), unlisted.target().provider(), unlisted.target());
        }
    }

    /** Why a catalog was rejected, on one line: the YAML parser's own message spans several, with a caret drawing. */
    private static String reason(Exception e) {
        if (e instanceof JsonProcessingException yaml) {
            JsonLocation at = yaml.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            String problem = yaml.getCause() instanceof MarkedYAMLException marked && marked.getProblem() != null
                    ? (marked.getContext() == null ? "" : marked.getContext() + ": ") + marked.getProblem()
                    : yaml.getOriginalMessage();
            return "catalog: not valid YAML" + where + ": " + oneLine(problem);
        }
        return oneLine(e.getMessage());
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** The one target a name means, offered or not. */
    public Target resolve(String name) {
        return resolve(catalog, name);
    }

    static Target resolve(ModelCatalog current, String name) {
        String model = name;
        for (int depth = 0; depth < MAX_ALIAS_DEPTH; depth++) {
            Target explicit = explicit(model);
            if (explicit != null) {
                return ofFamily(current, explicit);
            }
            String alias = current.aliases().get(model);
            if (alias == null) {
                String provider = byPrefix(model, current.defaultProvider());
                if (provider == null) {
                    throw GatewayException.notFound("model_not_found", "The model '" + name + "' does not exist "
                            + "or is not served by this gateway");
                }
                return ofFamily(current, new Target(provider, model));
            }
            model = alias;
        }
        throw GatewayException.notFound("model_not_found", "The model '" + name + "' is an alias loop in the catalog");
    }

    /** {@code target} with the family the catalog declares for its model, if it declares one. */
    private static Target ofFamily(ModelCatalog current, Target target) {
        if (current.families().isEmpty() || !"bedrock".equals(target.provider())) {
            return target;
        }
        String family = current.families().get(target.name());
        return family == null ? target : new Target(target.provider(), target.model(), null, family);
    }

    /** The targets to try in order: the model itself, then its fallback chain; providers not configured left out. */
    public List<Target> chain(String name) {
        List<Target> flat = new ArrayList<>();
        for (List<WeightedTarget> group : candidates(name)) {
            group.forEach(w -> flat.add(w.target()));
        }
        return flat;
    }

    /**
     * The chain as groups: the model's deployments (one group, to be load balanced by weight), then each fallback's
     * deployments; a model without deployments is a group of one. Providers not configured are left out, and a
     * target already in an earlier group is not repeated. The first group is always the model's own, empty when none
     * of its providers is configured; a fallback left empty is dropped.
     */
    public List<List<WeightedTarget>> candidates(String name) {
        ModelCatalog current = catalog;
        List<ModelCatalog.Deployment> deployed = along(current, name, current.deployments());
        Target primary = deployed == null ? resolve(current, name) : null;
        // The first chain found along the way: the requested name, each alias it leads through, the resolved model.
        List<String> fallbacks = along(current, name, current.fallbacks());
        if (fallbacks == null) {
            fallbacks = primary == null ? current.defaultFallbacks() : current.fallbacks()
                    .getOrDefault(primary.model(), current.fallbacks()
                            .getOrDefault(primary.name(), current.defaultFallbacks()));
        }
        List<List<WeightedTarget>> groups = new ArrayList<>();
        groups.add(own(current, deployed, primary));
        for (String fallback : fallbacks) {
            List<ModelCatalog.Deployment> its = along(current, fallback, current.deployments());
            groups.add(its != null ? resolveAll(current, its)
                    : List.of(new WeightedTarget(resolve(current, fallback), 1)));
        }
        Set<Target> seen = new LinkedHashSet<>();
        List<List<WeightedTarget>> usable = new ArrayList<>();
        for (List<WeightedTarget> group : groups) {
            List<WeightedTarget> kept = new ArrayList<>();
            for (WeightedTarget candidate : group) {
                if (offered(candidate.target()) && seen.add(candidate.target())) {
                    kept.add(candidate);
                }
            }
            if (usable.isEmpty() || !kept.isEmpty()) {
                usable.add(List.copyOf(kept));
            }
        }
        if (usable.stream().allMatch(List::isEmpty)) {
            throw notConfigured(name, groups.get(0).get(0).target(), "");
        }
        return usable;
    }

    /**
     * The 503 for a name none of whose own targets is offered and whose fallbacks cannot serve the request either:
     * {@code fallbacksRefused} says why they cannot.
     */
    public GatewayException notConfigured(String name, GatewayException fallbacksRefused) {
        ModelCatalog current = catalog;
        List<ModelCatalog.Deployment> deployed = along(current, name, current.deployments());
        Target first = own(current, deployed, deployed == null ? resolve(current, name) : null).get(0).target();
        return notConfigured(name, first, "; its fallbacks cannot serve this request: "
                + fallbacksRefused.getMessage());
    }

    private static GatewayException notConfigured(String name, Target first, String fallbacks) {
        return new GatewayException(503, "upstream_error", "provider_not_configured", "model",
                "No configured provider can serve '" + name + "' (it resolves to " + first
                        + "); set that provider's credentials or pick another model" + fallbacks, false, 0);
    }

    /**
     * The targets that serve a name before any fallback: the deployments found along its aliases ({@code deployedAlong}),
     * else those of the model it resolves to ({@code primary}), else that model alone.
     */
    private static List<WeightedTarget> own(ModelCatalog current, List<ModelCatalog.Deployment> deployedAlong,
                                            Target primary) {
        List<ModelCatalog.Deployment> deployed = deployedAlong != null ? deployedAlong : current.deployments()
                .getOrDefault(primary.name(), current.deployments().get(primary.model()));
        return deployed != null ? resolveAll(current, deployed) : List.of(new WeightedTarget(primary, 1));
    }

    /**
     * The provider of the first of {@code name}'s own targets ({@link #own}) that is offered: who serves the name as
     * {@link #candidates} would; null when none is offered (only a fallback could serve it, or nothing).
     */
    private String servingProvider(ModelCatalog current, String name) {
        List<ModelCatalog.Deployment> deployed = along(current, name, current.deployments());
        for (WeightedTarget own : own(current, deployed, deployed == null ? resolve(current, name) : null)) {
            if (offered(own.target())) {
                return own.target().provider();
            }
        }
        return null;
    }

    /** The entry of {@code map} for the requested name or the first alias it leads through; null when none. */
    private static <T> T along(ModelCatalog current, String name, Map<String, T> map) {
        String step = name;
        for (int depth = 0; step != null && depth < MAX_ALIAS_DEPTH; depth++) {
            T found = map.get(step);
            if (found != null) {
                return found;
            }
            step = explicit(step) != null ? null : current.aliases().get(step);
        }
        return null;
    }

    private static List<WeightedTarget> resolveAll(ModelCatalog current, List<ModelCatalog.Deployment> deployments) {
        List<WeightedTarget> out = new ArrayList<>();
        for (ModelCatalog.Deployment deployment : deployments) {
            out.add(new WeightedTarget(onAccount(resolve(current, deployment.model()), deployment.account()),
                    deployment.weight()));
        }
        return out;
    }

    private static Target onAccount(Target target, String account) {
        return account == null ? target : new Target(target.provider(), target.model(), account, target.family());
    }

    /** Whether the target's account is configured: the provider's default account, or a named one with a key. */
    private boolean offered(Target target) {
        if (target.account() == null) {
            return offered.test(target.provider());
        }
        ProviderAccounts.Account account = accounts.get(target.account());
        return account != null && account.offered();
    }

    /**
     * Rejects a catalog with a fallback or deployment that names no model (a typo would turn every request for the
     * model it serves into a 404), with deployments that name an account that is not configured, or one of another
     * provider than their target's, and Azure OpenAI deployments without an account (Azure has no default account).
     * An account without a key is configured, only not offered.
     */
    private ModelCatalog checked(ModelCatalog parsed) {
        for (Map.Entry<String, List<String>> entry : parsed.fallbacks().entrySet()) {
            checkFallbacks(parsed, "catalog: fallbacks." + entry.getKey(), entry.getValue());
        }
        checkFallbacks(parsed, "catalog: defaultFallbacks", parsed.defaultFallbacks());
        for (Map.Entry<String, List<ModelCatalog.Deployment>> entry : parsed.deployments().entrySet()) {
            for (int i = 0; i < entry.getValue().size(); i++) {
                ModelCatalog.Deployment deployment = entry.getValue().get(i);
                String at = "catalog: deployments." + entry.getKey() + "[" + i + "]";
                Target target = resolved(parsed, deployment.model(), at + ".target");
                if (deployment.account() == null) {
                    if ("azure-openai".equals(target.provider())) {
                        throw new IllegalArgumentException(at + " needs an account: Azure OpenAI deployments run on "
                                + "a named account (caravan.accounts)");
                    }
                    continue;
                }
                ProviderAccounts.Account account = accounts.get(deployment.account());
                if (account == null) {
                    throw new IllegalArgumentException(at + ".account '" + deployment.account() + "' is not a "
                            + "configured account (caravan.accounts: " + (accounts.names().isEmpty() ? "none"
                            : String.join(", ", new TreeSet<>(accounts.names()))) + ")");
                }
                if (!account.provider().equals(target.provider())) {
                    throw new IllegalArgumentException(at + ".account '" + account.name() + "' is an "
                            + account.provider() + " account, but the target " + target.name() + " is on "
                            + target.provider());
                }
                if ("azure-openai".equals(target.provider()) && !AZURE_DEPLOYMENT.matcher(target.model()).matches()) {
                    throw new IllegalArgumentException(at + ".target: '" + target.model() + "' is not an Azure "
                            + "OpenAI deployment name (letters, digits, '.', '_', '-')");
                }
            }
        }
        return parsed;
    }

    /** Each element of a chain must be a model name, or a name with deployments, as {@link #candidates} reads it. */
    private static void checkFallbacks(ModelCatalog parsed, String at, List<String> chain) {
        for (int i = 0; i < chain.size(); i++) {
            if (along(parsed, chain.get(i), parsed.deployments()) == null) {
                resolved(parsed, chain.get(i), at + "[" + i + "]");
            }
        }
    }

    private static Target resolved(ModelCatalog parsed, String name, String at) {
        try {
            return resolve(parsed, name);
        } catch (GatewayException e) {
            throw new IllegalArgumentException(at + ": " + e.getMessage());
        }
    }

    /** The price of a target, or null when the catalog does not list it. */
    public Price price(Target target) {
        return price(catalog, target);
    }

    static Price price(ModelCatalog current, Target target) {
        Map<String, Price> prices = current.prices();
        Price price = prices.get(target.name());
        if (price == null && "bedrock".equals(target.provider())) {
            for (String region : REGION_PREFIXES) {
                if (target.model().startsWith(region)) {
                    price = prices.get("bedrock/" + target.model().substring(region.length()));
                }
            }
        }
        return price;
    }

    /**
     * The price of the call's current target: as the catalog had it when the attempt started, so that a catalog
     * reloaded meanwhile (the price renamed or removed) does not make the call free; else as the catalog has it now.
     */
    public Price price(CallContext call) {
        Price atStart = call.currentPrice();
        return atStart != null ? atStart : price(call.current());
    }

    /** The max_tokens to send to providers that require one when the caller gave none. */
    public int defaultMaxTokens(Target target) {
        Price price = price(target);
        return price != null && price.maxOutputTokens() != null ? price.maxOutputTokens() : 4096;
    }

    /**
     * Every model, alias and name with deployments that a caller may name and that a configured provider account can
     * serve, with the provider that serves it (a name with deployments: its first deployment that is offered). A priced
     * model is listed by its bare name when that name leads to it, else by its catalog name (a fine-tune such as
     * {@code openai/ft:gpt-4o-mini:acme::x1} matches no prefix rule); an alias that leads nowhere is left out, and
     * logged the first time.
     */
    public List<ServableModel> servableModels() {
        ModelCatalog current = catalog;
        Map<String, String> listed = new TreeMap<>();
        for (String priced : current.prices().keySet()) {
            if (explicit(priced) != null) {
                String id = listedAs(current, priced);
                String provider = servingProvider(current, id);
                if (provider != null) {
                    listed.put(id, provider);
                }
            }
        }
        for (String named : current.deployments().keySet()) {
            String provider = servingProvider(current, named);
            if (provider != null) {
                listed.put(named, provider);
            }
        }
        for (String alias : current.aliases().keySet()) {
            try {
                String provider = servingProvider(current, alias);
                if (provider != null) {
                    listed.put(alias, provider);
                }
            } catch (GatewayException e) {
                if (unlisted.add(alias)) {
                    LOG.warn("Alias {} is left out of the model list: {}", alias, e.getMessage());
                }
            }
        }
        List<ServableModel> models = new ArrayList<>();
        listed.forEach((id, provider) -> models.add(new ServableModel(id, provider)));
        return List.copyOf(models);
    }

    /**
     * The model {@code id} names for {@code GET /v1/models/{id}}: one {@link #servableModels} lists, or a listed priced
     * model by its catalog name ({@code openai/gpt-4o}, listed as {@code gpt-4o}); null when neither.
     */
    public ServableModel servableModel(String id) {
        for (ServableModel model : servableModels()) {
            if (model.id().equals(id)) {
                return model;
            }
        }
        ModelCatalog current = catalog;
        String provider = explicit(id) != null && current.prices().containsKey(id) ? servingProvider(current, id) : null;
        return provider == null ? null : new ServableModel(id, provider);
    }

    /**
     * The name {@link #servableModels} shows {@code id} by: a priced model's bare name when that name leads to it
     * ({@code openai/gpt-4o} is listed as {@code gpt-4o}), else {@code id} itself.
     */
    public String listedAs(String id) {
        return listedAs(catalog, id);
    }

    private static String listedAs(ModelCatalog current, String id) {
        Target target = explicit(id);
        return target != null && leadsTo(current, target.model(), target) ? target.model() : id;
    }

    private static boolean leadsTo(ModelCatalog current, String name, Target target) {
        try {
            return resolve(current, name).name().equals(target.name());
        } catch (GatewayException e) {
            return false;
        }
    }

    static Target explicit(String model) {
        int slash = model.indexOf('/');
        if (slash > 0 && slash < model.length() - 1 && PROVIDERS.contains(model.substring(0, slash))) {
            return new Target(model.substring(0, slash), model.substring(slash + 1));
        }
        return null;
    }

    static String byPrefix(String model, String defaultProvider) {
        for (String prefix : OPENAI_PREFIXES) {
            if (model.startsWith(prefix)) {
                return "openai";
            }
        }
        if (model.startsWith("claude-")) {
            return "anthropic";
        }
        for (String prefix : BEDROCK_PREFIXES) {
            if (model.startsWith(prefix)) {
                return "bedrock";
            }
        }
        if (model.startsWith("mock-")) {
            return "mock";
        }
        return defaultProvider == null || defaultProvider.isBlank() ? null : defaultProvider;
    }
}
