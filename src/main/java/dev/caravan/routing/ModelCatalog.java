package dev.caravan.routing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.caravan.pricing.Price;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The catalog file as data: aliases, fallback chains, deployments (load balancing), prices, and the model family of
 * Bedrock models whose id does not name it. Immutable; a reload builds a new one. Parsing rejects unknown keys and
 * malformed entries so that a typo never silently changes routing or billing.
 */
public record ModelCatalog(String defaultProvider, Map<String, String> aliases, Map<String, List<String>> fallbacks,
                           List<String> defaultFallbacks, Map<String, Price> prices,
                           Map<String, List<Deployment>> deployments, Map<String, String> families) {

    /**
     * One deployment of a model: the model name that serves it (usually explicit provider/model), its weight, and
     * the provider account it runs on (null: the provider's default account).
     */
    public record Deployment(String model, int weight, String account) {

        public Deployment(String model, int weight) {
            this(model, weight, null);
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> TOP_LEVEL = Set.of("defaultProvider", "aliases", "fallbacks", "defaultFallbacks",
            "models", "deployments");
    private static final Set<String> DEPLOYMENT_FIELDS = Set.of("target", "weight", "account");
    private static final Set<String> PRICE_FIELDS = Set.of("input", "cachedInput", "cacheWrite", "cacheWrite1h",
            "output", "maxOutputTokens", "outputTokensPerSecond", "family");

    public static ModelCatalog parse(InputStream yaml) throws IOException {
        byte[] content = yaml.readAllBytes();
        refuseKeysGivenTwice(content);
        JsonNode root = YAML.readTree(content);
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
        Map<String, String> families = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> model : fields(root.path("models"))) {
            String name = model.getKey();
            if (!name.contains("/")) {
                throw new IllegalArgumentException("catalog: models." + name + " must be named provider/model");
            }
            String family = family(model.getValue(), name);
            if (family != null) {
                families.put(name, family);
            }
            if (family == null || model.getValue().size() > 1) {
                prices.put(name, price(model.getValue(), name));
            }
        }
        Map<String, List<Deployment>> deployments = new LinkedHashMap<>();
        fields(root.path("deployments")).forEach(e -> deployments.put(e.getKey(),
                deployments(e.getValue(), "deployments." + e.getKey())));
        return new ModelCatalog(defaultProvider(root.path("defaultProvider")), Map.copyOf(aliases), Map.copyOf(fallbacks),
                list(root.path("defaultFallbacks"), "defaultFallbacks"), Map.copyOf(prices), Map.copyOf(deployments),
                Map.copyOf(families));
    }

    /**
     * The provider of names no alias or prefix rule matches, or "" for none (they are a 404). A name that is no
     * provider would turn every such request into a 503 for a provider that cannot exist; Azure OpenAI serves only
     * deployments on a named account, which a bare name does not have.
     */
    private static String defaultProvider(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return "";
        }
        String provider = node.isTextual() ? node.asText().trim() : null;
        if (provider == null || !(provider.isEmpty() || (ModelRouter.PROVIDERS.contains(provider)
                && !"azure-openai".equals(provider)))) {
            throw new IllegalArgumentException("catalog: defaultProvider must be openai, anthropic, bedrock, mock or "
                    + "\"\" (none), not " + node);
        }
        return provider;
    }

    /**
     * Refuses a key given twice in one mapping when its first value held something: YAML keeps the last value alone, so
     * a model priced twice would be billed at the later price and a second {@code fallbacks:} section would drop every
     * chain of the first. A key first given empty ({@code deployments: {}}, as the shipped catalog has it) may be
     * given again, with what it holds: nothing is lost.
     */
    private static void refuseKeysGivenTwice(byte[] yaml) throws IOException {
        try (JsonParser parser = YAML.getFactory().createParser(yaml)) {
            if (parser.nextToken() != null) {
                holdsSomething(parser);
            }
        }
    }

    /** Reads the value at the parser's token to its end, checking its mappings; whether it holds anything. */
    private static boolean holdsSomething(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            Map<String, Boolean> given = new HashMap<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = parser.currentName();
                parser.nextToken();
                if (Boolean.TRUE.equals(given.put(key, holdsSomething(parser)))) {
                    throw new IllegalArgumentException("catalog: the key '" + key + "' is given twice in one mapping "
                            + "(line " + parser.currentLocation().getLineNr() + "); YAML would keep only the last");
                }
            }
            return !given.isEmpty();
        }
        if (token == JsonToken.START_ARRAY) {
            boolean any = false;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                holdsSomething(parser);
                any = true;
            }
            return any;
        }
        return token != JsonToken.VALUE_NULL;
    }

    /**
     * A Bedrock model's declared family (an application inference profile's ARN names none), or null when the entry
     * declares none. An entry may hold its family alone: the model is then known but not priced. A family that
     * contradicts the one the model id names would apply another family's rules to the model: it is refused.
     */
    private static String family(JsonNode node, String model) {
        JsonNode family = node.path("family");
        if (family.isMissingNode()) {
            return null;
        }
        String at = "catalog: models." + model + ".family";
        if (!model.startsWith("bedrock/")) {
            throw new IllegalArgumentException(at + ": only Bedrock models take a family (Bedrock serves several)");
        }
        if (!family.isTextual() || !BedrockFamily.DECLARABLE.contains(family.asText())) {
            throw new IllegalArgumentException(at + " must be one of " + String.join(", ",
                    new TreeSet<>(BedrockFamily.DECLARABLE)) + ", not " + family);
        }
        String named = BedrockFamily.namedBy(model.substring("bedrock/".length()));
        if (named != null && !BedrockFamily.agrees(family.asText(), named)) {
            throw new IllegalArgumentException(at + " is " + family.asText() + ", but the model id names the "
                    + named + " family (an id that names its family needs none declared)");
        }
        return family.asText();
    }

    /**
     * A list of {@code {target: provider/model, weight: 3, account: name}} (weight 1 and the provider's default
     * account when left out) or plain model names.
     */
    private static List<Deployment> deployments(JsonNode node, String where) {
        if (!node.isArray() || node.isEmpty()) {
            throw new IllegalArgumentException("catalog: " + where + " must be a non-empty list of deployments");
        }
        List<Deployment> out = new ArrayList<>();
        for (JsonNode item : node) {
            String at = where + "[" + out.size() + "]";
            if (item.isTextual()) {
                out.add(new Deployment(text(item, at), 1));
                continue;
            }
            if (!item.isObject()) {
                throw new IllegalArgumentException("catalog: " + at + " must be a model name or {target, weight, "
                        + "account}");
            }
            item.fieldNames().forEachRemaining(f -> {
                if (!DEPLOYMENT_FIELDS.contains(f)) {
                    throw new IllegalArgumentException("catalog: " + at + " has unknown field '" + f
                            + "' (known: target, weight, account)");
                }
            });
            if (item.path("target").isMissingNode()) {
                throw new IllegalArgumentException("catalog: " + at + " needs a target (a model name such as "
                        + "openai/gpt-4o)");
            }
            JsonNode weight = item.path("weight");
            if (!weight.isMissingNode() && !(weight.isInt() && weight.asInt() > 0)) {
                throw new IllegalArgumentException("catalog: " + at + ".weight must be a positive integer");
            }
            JsonNode account = item.path("account");
            if (!account.isMissingNode() && !(account.isTextual() && !account.asText().isBlank())) {
                throw new IllegalArgumentException("catalog: " + at + ".account must be an account name "
                        + "(caravan.accounts)");
            }
            out.add(new Deployment(text(item.path("target"), at + ".target"), weight.isInt() ? weight.asInt() : 1,
                    account.isTextual() ? account.asText().trim() : null));
        }
        return List.copyOf(out);
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
        return new Price(decimal(node.path("input")), optional(node.path("cachedInput"), model),
                optional(node.path("cacheWrite"), model), optional(node.path("cacheWrite1h"), model),
                decimal(node.path("output")),
                positiveInt(node, "maxOutputTokens", model), positiveInt(node, "outputTokensPerSecond", model));
    }

    private static Integer positiveInt(JsonNode price, String field, String model) {
        JsonNode n = price.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!(n.isInt() && n.asInt() > 0)) {
            throw new IllegalArgumentException("catalog: models." + model + "." + field + " must be a positive integer");
        }
        return n.asInt();
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
