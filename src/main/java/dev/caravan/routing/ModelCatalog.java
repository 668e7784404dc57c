package dev.caravan.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.caravan.pricing.Price;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The catalog file as data: aliases, fallback chains, prices. Immutable; a reload builds a new one.
 * Parsing rejects unknown keys and malformed entries so that a typo never silently changes routing or billing.
 */
public record ModelCatalog(String defaultProvider, Map<String, String> aliases, Map<String, List<String>> fallbacks,
                           List<String> defaultFallbacks, Map<String, Price> prices) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> TOP_LEVEL = Set.of("defaultProvider", "aliases", "fallbacks", "defaultFallbacks",
            "models");
    private static final Set<String> PRICE_FIELDS = Set.of("input", "cachedInput", "cacheWrite", "output",
            "maxOutputTokens");

    public static ModelCatalog parse(InputStream yaml) throws IOException {
        JsonNode root = YAML.readTree(yaml);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("catalog: the file must be a YAML mapping");
        }
        root.fieldNames().forEachRemaining(name -> {
            if (!TOP_LEVEL.contains(name)) {
                throw new IllegalArgumentException("catalog: unknown key '" + name + "'");
            }
        });
        Map<String, String> aliases = new LinkedHashMap<>();
        fields(root.path("aliases")).forEach(e -> aliases.put(e.getKey(), text(e.getValue(), "aliases." + e.getKey())));
        Map<String, List<String>> fallbacks = new LinkedHashMap<>();
        fields(root.path("fallbacks")).forEach(e -> fallbacks.put(e.getKey(), list(e.getValue(), "fallbacks." + e.getKey())));
        Map<String, Price> prices = new LinkedHashMap<>();
        fields(root.path("models")).forEach(e -> prices.put(e.getKey(), price(e.getValue(), e.getKey())));
        for (String name : prices.keySet()) {
            if (!name.contains("/")) {
                throw new IllegalArgumentException("catalog: models." + name + " must be named provider/model");
            }
        }
        String defaultProvider = root.path("defaultProvider").asText("");
        return new ModelCatalog(defaultProvider, Map.copyOf(aliases), Map.copyOf(fallbacks),
                list(root.path("defaultFallbacks"), "defaultFallbacks"), Map.copyOf(prices));
    }

    private static List<Map.Entry<String, JsonNode>> fields(JsonNode node) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("catalog: expected a mapping, found " + node);
        }
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        it.forEachRemaining(out::add);
        return out;
    }

    private static String text(JsonNode node, String where) {
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new IllegalArgumentException("catalog: " + where + " must be a model name");
        }
        return node.asText();
    }

    private static List<String> list(JsonNode node, String where) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("catalog: " + where + " must be a list of model names");
        }
        List<String> out = new ArrayList<>();
        node.forEach(n -> out.add(text(n, where)));
        return List.copyOf(out);
    }

    private static Price price(JsonNode node, String model) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("catalog: models." + model + " must be a mapping of prices");
        }
        node.fieldNames().forEachRemaining(f -> {
            if (!PRICE_FIELDS.contains(f)) {
                throw new IllegalArgumentException("catalog: models." + model + " has unknown field '" + f + "'");
            }
        });
        if (!node.path("input").isNumber() || !node.path("output").isNumber()) {
            throw new IllegalArgumentException("catalog: models." + model + " needs numeric input and output prices");
        }
        JsonNode max = node.path("maxOutputTokens");
        if (!max.isMissingNode() && !max.isNull() && !(max.isInt() && max.asInt() > 0)) {
            throw new IllegalArgumentException("catalog: models." + model + ".maxOutputTokens must be a positive "
                    + "integer");
        }
        return new Price(decimal(node.path("input")), optional(node.path("cachedInput"), model),
                optional(node.path("cacheWrite"), model), decimal(node.path("output")),
                max.isInt() ? max.asInt() : null);
    }

    private static BigDecimal decimal(JsonNode n) {
        BigDecimal value = new BigDecimal(n.asText());
        if (value.signum() < 0) {
            throw new IllegalArgumentException("catalog: prices cannot be negative: " + value);
        }
        return value;
    }

    private static BigDecimal optional(JsonNode n, String model) {
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException("catalog: models." + model + " has a non-numeric price: " + n);
        }
        return decimal(n);
    }
}
