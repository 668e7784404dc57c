package dev.caravan.auth;

import java.util.List;
import java.util.Optional;

/** Where API keys live: the ledger's store (embedded H2 or DynamoDB). Only hashes of secrets are ever stored. */
public interface KeyStore {

    /** Stores a new key; fails if its id exists. */
    void create(ApiKey key);

    /**
     * Replaces a stored key (revoke, rotate, enable); fails if it does not exist.
     *
     * @throws KeyRevokedException when {@code key} is not revoked and the stored one is (revoked since it was read):
     *                             nothing is written, so no change made at the same time takes a revoke back
     */
    void update(ApiKey key);

    Optional<ApiKey> find(String id);

    Optional<ApiKey> findBySecretHash(String secretHash);

    /** Every key, oldest first. */
    List<ApiKey> list();
}
