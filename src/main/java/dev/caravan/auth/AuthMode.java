package dev.caravan.auth;

/**
 * Which credentials the gateway accepts. With neither API keys nor an identity provider it runs open: anonymous
 * callers are let in, and the gateway serves only on loopback.
 */
public record AuthMode(boolean apiKeys, boolean identityProvider, boolean adminApi) {

    public boolean open() {
        return !apiKeys && !identityProvider;
    }

    /** The line logged at start. */
    public String describe() {
        if (open()) {
            return "Authentication is OFF: no API keys (set CARAVAN_MASTER_KEY) and no identity provider "
                    + "(caravan.auth.oidc.issuer) are configured, so the gateway accepts anonymous requests and "
                    + "serves only on loopback (127.0.0.1)";
        }
        StringBuilder line = new StringBuilder("Authentication is ON: ");
        if (apiKeys) {
            line.append("Caravan API keys");
        }
        if (apiKeys && identityProvider) {
            line.append(" and ");
        }
        if (identityProvider) {
            line.append("identity provider JWTs");
        }
        line.append(" are required; the admin API is ").append(adminApi ? "enabled" : "disabled (no master key)");
        return line.toString();
    }
}
