package dev.caravan.auth;

import java.time.Instant;
import java.util.List;

/**
 * A Caravan API key as stored: never the secret, only its SHA-256 ({@code secretHash}, hex). A key works while
 * it is enabled, not revoked and not expired.
 */
public record ApiKey(String id, String secretHash, String userId, String application, List<String> allowedModels,
                     RateLimit rateLimit, KeyBudgets budgets, Instant createdAt, Instant expiresAt, boolean enabled,
                     Instant revokedAt) {

    public ApiKey {
        allowedModels = allowedModels == null ? List.of() : List.copyOf(allowedModels);
        rateLimit = rateLimit == null ? RateLimit.NONE : rateLimit;
        budgets = budgets == null ? KeyBudgets.NONE : budgets;
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    public boolean expired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    public ApiKey revoke(Instant when) {
        return new ApiKey(id, secretHash, userId, application, allowedModels, rateLimit, budgets, createdAt, expiresAt,
                enabled, revokedAt == null ? when : revokedAt);
    }

    public ApiKey withSecretHash(String hash) {
        return new ApiKey(id, hash, userId, application, allowedModels, rateLimit, budgets, createdAt, expiresAt,
                enabled, revokedAt);
    }
}
