package dev.caravan.auth;

import dev.caravan.ledger.Scope;

import java.util.List;

/**
 * Who is calling, as the routes see it in the exchange property {@code identity}: a Caravan key, an identity
 * provider's subject, or anonymous (only in open mode). {@code allowedModels} empty means every model.
 */
public record Identity(Kind kind, String keyId, String subject, String userId, String application,
                       List<String> allowedModels, KeyBudgets budgets, RateLimit rateLimit) {

    public static final String PROPERTY = "identity";

    /** How the caller proved who it is. */
    public enum Kind { API_KEY, JWT, ANONYMOUS }

    public Identity {
        allowedModels = allowedModels == null ? List.of() : List.copyOf(allowedModels);
        budgets = budgets == null ? KeyBudgets.NONE : budgets;
        rateLimit = rateLimit == null ? RateLimit.NONE : rateLimit;
    }

    public static Identity anonymous() {
        return new Identity(Kind.ANONYMOUS, null, null, "anonymous", "anonymous", List.of(), null, null);
    }

    public static Identity of(ApiKey key) {
        return new Identity(Kind.API_KEY, key.id(), null, key.userId(), key.application(), key.allowedModels(),
                key.budgets(), key.rateLimit());
    }

    public boolean isAnonymous() {
        return kind == Kind.ANONYMOUS;
    }

    /** The ledger scope of this key's own budgets ({@code key:<id>}), or null when not a key. */
    public String budgetScope() {
        return keyId == null ? null : Scope.of(Scope.KEY, keyId);
    }

    /** What the rate limiter counts under: the key, else the subject, else nothing. */
    public String rateLimitKey() {
        return keyId != null ? "key:" + keyId : subject != null ? "sub:" + subject : null;
    }

    /** Whether this caller may use {@code model} (as requested: an alias, a model id or provider/model). */
    public boolean mayUse(String model) {
        if (allowedModels.isEmpty()) {
            return true;
        }
        for (String allowed : allowedModels) {
            if (allowed.equals(model) || allowed.equals("*")
                    || (allowed.endsWith("*") && model != null && model.startsWith(allowed.substring(0, allowed.length() - 1)))) {
                return true;
            }
        }
        return false;
    }
}
