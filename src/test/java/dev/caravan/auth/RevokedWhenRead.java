package dev.caravan.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A key store where another admin call's revoke lands just after a key is read (by id, or by the hash of its secret):
 * the reader gets the key as it was before the revoke. {@code afterRevoke} is told the hash of the key revoked (what
 * KeyAdmin.revoke then tells the key cache).
 */
final class RevokedWhenRead implements KeyStore {

    private final KeyStore store;
    private final boolean byId;
    private volatile Consumer<String> afterRevoke = hash -> { };

    /** What lands after a read: a revoke, or another change (then only once). */
    private final UnaryOperator<ApiKey> landing;
    private final boolean once;
    private final AtomicBoolean landed = new AtomicBoolean();

    /** {@code byId}: the revoke follows a read by id; else a read by hash. */
    RevokedWhenRead(KeyStore store, boolean byId) {
        this(store, byId, key -> key.revoke(Instant.now()), false);
    }

    private RevokedWhenRead(KeyStore store, boolean byId, UnaryOperator<ApiKey> landing, boolean once) {
        this.store = store;
        this.byId = byId;
        this.landing = landing;
        this.once = once;
    }

    /** A store where another admin call's {@code change} lands just after the first read of a key by id. */
    static RevokedWhenRead changedOnce(KeyStore store, UnaryOperator<ApiKey> change) {
        return new RevokedWhenRead(store, true, change, true);
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
    public boolean replace(ApiKey read, ApiKey changed) {
        return store.replace(read, changed);
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
        if (read.isPresent() && !read.get().revoked() && !(once && landed.getAndSet(true))) {
            store.update(landing.apply(read.get()));
            afterRevoke.accept(read.get().secretHash());
        }
        return read;
    }

    @Override
    public List<ApiKey> list() {
        return store.list();
    }
}
