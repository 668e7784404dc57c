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

    /**
     * Replaces {@code read} by {@code changed} only if the stored key is still {@code read}, so that changes made at the
     * same time (on one gateway or on several) cannot overwrite each other.
     *
     * @return false when the key changed since it was read (a revoke among others): nothing is written
     * @throws IllegalArgumentException when there is no such key
     */
    boolean replace(ApiKey read, ApiKey changed);

    Optional<ApiKey> find(String id);

    Optional<ApiKey> findBySecretHash(String secretHash);

    /** Every key, oldest first. */
    List<ApiKey> list();
}
