package dev.caravan.auth;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Keys looked up by secret hash, remembered for a short time (default 5 s) so that the store is not read on every
 * request, and short enough that a key revoked on another instance stops working within seconds. Unknown hashes
 * are remembered too, so that a client repeating a wrong key does not hammer the store. The cache is bounded without
 * losing the keys in use: as it grows, unknown hashes and expired entries are dropped, so a flood of made-up keys
 * does not push out the keys of valid callers.
 */
public final class CachedKeys {

    private static final int SWEEP_FROM = 10_000;

    private record Entry(Optional<ApiKey> key, long expiresAtNanos) {
    }

    private final KeyStore store;
    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Entry> byHash = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** How many hashes were forgotten: a look-up that overlapped one does not remember what it read. */
    private final AtomicLong forgets = new AtomicLong();
    private volatile int nextSweep = SWEEP_FROM;

    public CachedKeys(KeyStore store, Duration ttl) {
        this(store, ttl, System::nanoTime);
    }

    CachedKeys(KeyStore store, Duration ttl, LongSupplier nanoClock) {
        this.store = store;
        this.ttlNanos = ttl.toNanos();
        this.nanoClock = nanoClock;
    }

    public Optional<ApiKey> bySecretHash(String hash) {
        long now = nanoClock.getAsLong();
        Entry entry = byHash.get(hash);
        if (entry != null && now - entry.expiresAtNanos() < 0) {
            return entry.key();
        }
        long forgetsBefore = forgets.get();
        Optional<ApiKey> key = store.findBySecretHash(hash);
        if (ttlNanos > 0) {
            if (byHash.size() >= nextSweep) {
                sweep(now);
            }
            byHash.put(hash, new Entry(key, now + ttlNanos));
            if (forgets.get() != forgetsBefore) {
                // A hash was forgotten while the store was read (a revoke or change here): what was read may predate
                // it, so it is not remembered (forget counts, then removes: one counted after this check removes it).
                byHash.remove(hash);
            }
        }
        return key;
    }

    /**
     * Drops unknown hashes and expired entries; one caller sweeps while the others go on. The next sweep waits until
     * the cache has doubled, so that many keys in use do not make every miss sweep.
     */
    private void sweep(long now) {
        if (sweeping.compareAndSet(false, true)) {
            try {
                byHash.values().removeIf(entry -> entry.key().isEmpty() || now - entry.expiresAtNanos() >= 0);
                nextSweep = Math.max(SWEEP_FROM, 2 * byHash.size());
            } finally {
                sweeping.set(false);
            }
        }
    }

    /** Entries held; for tests. */
    int entries() {
        return byHash.size();
    }

    /** Whether {@link #bySecretHash} would answer this hash from memory, without reading the store. */
    public boolean knows(String hash) {
        Entry entry = byHash.get(hash);
        return entry != null && nanoClock.getAsLong() - entry.expiresAtNanos() < 0;
    }

    /**
     * Forgets what is known about this hash (after a revoke or rotate on this instance), also what a look-up that read
     * the store before the change is about to remember.
     */
    public void forget(String hash) {
        forgets.incrementAndGet();
        byHash.remove(hash);
    }

    public KeyStore store() {
        return store;
    }
}
