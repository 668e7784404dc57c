package dev.caravan.routing;

import dev.caravan.core.GatewayException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The names a catalog's aliases, fallback chains and deployments lead to that the catalog lists nowhere (no price or
 * family under models, no alias, no deployments) and that reach a provider by a prefix rule (or as the default
 * provider) alone, or by an explicit provider ({@code openai/gpt-4o-mnii}) of which the catalog lists other models.
 * Most often a typo, which would show only as the provider's 404 when a request falls back to it, during an outage.
 * Reported, not refused: a new model may be served before it is priced. An explicit name of a provider the catalog
 * lists nothing of is taken as meant. Read when a catalog loads, never per request.
 */
final class UnlistedModels {

    /**
     * A name, where the catalog names it ({@code fallbacks.gpt-4o[1]}, ...), the target it reaches and the rule that
     * sends it there ({@code its prefix}, {@code defaultProvider} or {@code its explicit provider}).
     */
    record Unlisted(String name, List<String> places, Target target, String rule) {
    }

    private UnlistedModels() {
    }

    /** The unlisted names of {@code catalog}, each once with every place it is named, in the file's order. */
    static List<Unlisted> in(ModelCatalog catalog) {
        Map<String, List<String>> places = new LinkedHashMap<>();
        catalog.aliases().forEach((alias, model) -> places.computeIfAbsent(model, n -> new ArrayList<>())
                .add("aliases." + alias));
        catalog.fallbacks().forEach((model, chain) -> named(places, "fallbacks." + model, chain));
        named(places, "defaultFallbacks", catalog.defaultFallbacks());
        catalog.deployments().forEach((model, deployments) -> named(places, "deployments." + model,
                deployments.stream().map(ModelCatalog.Deployment::model).toList()));
        Set<String> providersListed = new HashSet<>();
        Stream.concat(catalog.prices().keySet().stream(), catalog.families().keySet().stream())
                .forEach(model -> providersListed.add(model.substring(0, model.indexOf('/'))));
        List<Unlisted> out = new ArrayList<>();
        places.forEach((name, where) -> {
            Target target = unlisted(catalog, name, providersListed);
            if (target != null) {
                out.add(new Unlisted(name, List.copyOf(where), target, rule(name)));
            }
        });
        return List.copyOf(out);
    }

    private static String rule(String name) {
        if (ModelRouter.explicit(name) != null) {
            return "its explicit provider";
        }
        return ModelRouter.byPrefix(name, null) != null ? "its prefix" : "defaultProvider";
    }

    private static void named(Map<String, List<String>> places, String list, List<String> names) {
        for (int i = 0; i < names.size(); i++) {
            places.computeIfAbsent(names.get(i), n -> new ArrayList<>()).add(list + "[" + i + "]");
        }
    }

    /**
     * The target {@code name} reaches when it is unlisted and reaches one by a rule, or by an explicit provider of
     * {@code providersListed}; null otherwise.
     */
    private static Target unlisted(ModelCatalog catalog, String name, Set<String> providersListed) {
        if (catalog.aliases().containsKey(name) || catalog.deployments().containsKey(name)) {
            return null; // listed: an alias's own target is checked where the alias is
        }
        Target explicit = ModelRouter.explicit(name);
        if (explicit != null && !providersListed.contains(explicit.provider())) {
            return null; // a provider the catalog lists no model of: named on purpose
        }
        Target target;
        try {
            target = ModelRouter.resolve(catalog, name);
        } catch (GatewayException e) {
            return null; // names no model: refused at load (chains, deployments) or left out of the model list
        }
        boolean listed = ModelRouter.price(catalog, target) != null || catalog.families().containsKey(target.name())
                || catalog.deployments().containsKey(target.name());
        return listed ? null : target;
    }
}
