package dev.caravan.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.api.Json;
import dev.caravan.core.GatewayException;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads the admin API's new-key and key-change bodies strictly: unknown fields and wrong types are refused with 400
 * naming the field, because a limit that is silently dropped is a limit that is silently not enforced.
 */
final class KeyRequestReader {

    private static final Set<String> FIELDS = Set.of("userId", "application", "allowedModels", "rateLimit", "budgets",
            "expiresAt", "enabled");
    private static final Set<String> RATE_FIELDS = Set.of("requestsPerMinute", "tokensPerMinute");
    private static final Set<String> BUDGET_FIELDS = Set.of("daily", "monthly");
    private static final int MAX_TEXT = 256;
    private static final int MAX_MODELS = 256;
    /** What every store keeps exactly (the embedded one's DECIMAL(38, 18)), and far beyond any real budget. */
    private static final BigDecimal MAX_USD = BigDecimal.TEN.pow(12);
    private static final int MAX_USD_DECIMALS = 18;
    /** The last instant written with a four-digit year; far later ones overflow epoch milliseconds. */
    private static final Instant LATEST_EXPIRY = Instant.parse("9999-12-31T23:59:59Z");

    /** What the admin asked for; the id, secret and timestamps are the gateway's to choose. */
    record NewKey(String userId, String application, List<String> allowedModels, RateLimit rateLimit,
                  KeyBudgets budgets, Instant expiresAt, boolean enabled) {
    }

    private KeyRequestReader() {
    }

    static NewKey read(ObjectNode body) {
        onlyKnown(body, FIELDS, "");
        return new NewKey(requiredText(body, "userId"), requiredText(body, "application"), models(body),
                rateLimit(body.get("rateLimit")), budgets(body.get("budgets")), expiresAt(body.get("expiresAt")),
                enabled(body.get("enabled")));
    }

    /**
     * The key with the changes of a PATCH body: each field given replaces the key's (null: its default, no limit or
     * no restriction); a field left out is kept. Whose key it is (userId, application) cannot change: spend and
     * budgets are counted under it, so that is a new key.
     */
    static ApiKey change(ApiKey key, ObjectNode body) {
        onlyKnown(body, FIELDS, "");
        for (String owner : List.of("userId", "application")) {
            if (body.has(owner)) {
                throw invalid(owner, "'" + owner + "' of a key cannot change (its spend is counted under it); "
                        + "create a new key instead");
            }
        }
        return new ApiKey(key.id(), key.secretHash(), key.userId(), key.application(),
                body.has("allowedModels") ? models(body) : key.allowedModels(),
                body.has("rateLimit") ? rateLimit(merged(body.get("rateLimit"), json(key.rateLimit()))) : key.rateLimit(),
                body.has("budgets") ? budgets(merged(body.get("budgets"), json(key.budgets()))) : key.budgets(), key.createdAt(),
                body.has("expiresAt") ? expiresAt(body.get("expiresAt")) : key.expiresAt(),
                body.has("enabled") ? enabled(body.get("enabled")) : key.enabled(), key.revokedAt());
    }

    /**
     * A PATCH's object over the key's current one (a JSON merge patch): each field given replaces the current one (null:
     * no limit), one left out is kept; null or not an object replaces the whole (then checked as such).
     */
    private static JsonNode merged(JsonNode patch, ObjectNode current) {
        if (patch == null || !patch.isObject()) {
            return patch;
        }
        patch.fields().forEachRemaining(field -> current.set(field.getKey(), field.getValue()));
        return current;
    }

    /** The rate limit as the admin API writes and reads it. */
    static ObjectNode json(RateLimit rateLimit) {
        return Json.MAPPER.createObjectNode().put("requestsPerMinute", rateLimit.requestsPerMinute())
                .put("tokensPerMinute", rateLimit.tokensPerMinute());
    }

    /** The budgets as the admin API writes and reads them (null: no limit). */
    static ObjectNode json(KeyBudgets budgets) {
        return Json.MAPPER.createObjectNode().put("daily", budgets.daily()).put("monthly", budgets.monthly());
    }

    private static void onlyKnown(JsonNode node, Set<String> known, String prefix) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw invalid(prefix + name, "Unknown field '" + prefix + name + "'; allowed: " + known.stream().sorted().toList());
            }
        }
    }

    private static String requiredText(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw invalid(name, "'" + name + "' is required and must be a non-empty string");
        }
        if (value.asText().length() > MAX_TEXT) {
            throw invalid(name, "'" + name + "' is longer than " + MAX_TEXT + " characters");
        }
        return value.asText();
    }

    private static List<String> models(JsonNode body) {
        JsonNode value = body.get("allowedModels");
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw invalid("allowedModels", "'allowedModels' must be a list of model names or aliases");
        }
        if (value.size() > MAX_MODELS) {
            throw invalid("allowedModels", "'allowedModels' holds more than " + MAX_MODELS + " names");
        }
        List<String> models = new ArrayList<>();
        for (JsonNode model : value) {
            if (!model.isTextual() || model.asText().isBlank() || model.asText().length() > MAX_TEXT) {
                throw invalid("allowedModels", "'allowedModels' must hold only non-empty strings of at most "
                        + MAX_TEXT + " characters");
            }
            models.add(model.asText());
        }
        return models;
    }

    private static RateLimit rateLimit(JsonNode value) {
        if (value == null || value.isNull()) {
            return RateLimit.NONE;
        }
        if (!value.isObject()) {
            throw invalid("rateLimit", "'rateLimit' must be an object {requestsPerMinute, tokensPerMinute}");
        }
        onlyKnown(value, RATE_FIELDS, "rateLimit.");
        return new RateLimit(count(value, "requestsPerMinute"), count(value, "tokensPerMinute"));
    }

    private static long count(JsonNode parent, String name) {
        JsonNode value = parent.get(name);
        if (value == null || value.isNull()) {
            return 0;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 0) {
            throw invalid("rateLimit." + name, "'rateLimit." + name + "' must be a whole number, 0 or more");
        }
        return value.asLong();
    }

    private static KeyBudgets budgets(JsonNode value) {
        if (value == null || value.isNull()) {
            return KeyBudgets.NONE;
        }
        if (!value.isObject()) {
            throw invalid("budgets", "'budgets' must be an object {daily, monthly} in USD");
        }
        onlyKnown(value, BUDGET_FIELDS, "budgets.");
        return new KeyBudgets(usd(value, "daily"), usd(value, "monthly"));
    }

    private static BigDecimal usd(JsonNode parent, String name) {
        JsonNode value = parent.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        BigDecimal amount;
        try {
            amount = value.isNumber() ? value.decimalValue() : value.isTextual() ? new BigDecimal(value.asText()) : null;
        } catch (NumberFormatException e) {
            amount = null;
        }
        // Compared before anything else is done with it: writing out 1E+9999999 digit by digit takes a worker seconds.
        if (amount == null || amount.signum() < 0 || amount.compareTo(MAX_USD) > 0
                || amount.stripTrailingZeros().scale() > MAX_USD_DECIMALS) {
            throw invalid("budgets." + name, "'budgets." + name + "' must be an amount in USD from 0 to " + MAX_USD
                    + " with at most " + MAX_USD_DECIMALS + " decimal places");
        }
        return amount;
    }

    private static Instant expiresAt(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        Instant instant;
        try {
            instant = Instant.parse(value.asText());
        } catch (DateTimeParseException e) {
            instant = null;
        }
        if (instant == null || instant.isBefore(Instant.EPOCH) || instant.isAfter(LATEST_EXPIRY)) {
            throw invalid("expiresAt", "'expiresAt' must be an ISO-8601 instant from 1970 to 9999, such as "
                    + "2030-01-31T00:00:00Z");
        }
        return instant;
    }

    private static boolean enabled(JsonNode value) {
        if (value == null || value.isNull()) {
            return true;
        }
        if (!value.isBoolean()) {
            throw invalid("enabled", "'enabled' must be true or false");
        }
        return value.asBoolean();
    }

    private static GatewayException invalid(String param, String message) {
        return GatewayException.invalidRequest(param, message);
    }
}
