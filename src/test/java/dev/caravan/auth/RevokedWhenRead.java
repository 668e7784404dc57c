package dev.caravan.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A key store where another admin call's revoke lands just after a key is read (by id, or by the hash of its secret):
 * the reader gets the key as it was before the revoke. {@code afterRevoke} is told the hash of the key revoked (what
 * KeyAdmin.revoke then tells the key cache).
 */
final class RevokedWhenRead implements KeyStore {

    private final KeyStore store;
    private final boolean byId;
    private volatile Consumer<String> afterRevoke = hash -> { };

    /** {@code byId}: the revoke follows a read by id; else a read by hash. */
    RevokedWhenRead(KeyStore store, boolean byId) {
        this.store = store;
        this.byId = byId;
    }

    RevokedWhenRead afterRevoke(Consumer<String> then) {
        this.afterRevoke = then;
        return this;
    }

    @Override
    public void create(ApiKey key) {
        store.create(key);
    }

    @Override
    public void update(ApiKey key) {
        store.update(key);
    }

    @Override
    public Optional<ApiKey> find(String id) {
        return byId ? revokedAfter(store.find(id)) : store.find(id);
    }

    @Override
    public Optional<ApiKey> findBySecretHash(String secretHash) {
        return byId ? store.findBySecretHash(secretHash) : revokedAfter(store.findBySecretHash(secretHash));
    }

    private Optional<ApiKey> revokedAfter(Optional<ApiKey> read) {
        if (read.isPresent() && !read.get().revoked()) {
            store.update(read.get().revoke(Instant.now()));
            afterRevoke.accept(read.get().secretHash());
        }
        return read;
    }

    @Override
    public List<ApiKey> list() {
        return store.list();
    }
}
