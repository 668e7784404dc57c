package dev.caravan.auth;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Keys in memory, counting the look-ups by secret hash (what the key cache saves). */
final class CountingKeyStore implements KeyStore {

    final AtomicInteger reads = new AtomicInteger();
    private final List<ApiKey> keys = new CopyOnWriteArrayList<>();

    @Override
    public void create(ApiKey key) {
        keys.add(key);
    }

    @Override
    public void update(ApiKey key) {
        keys.replaceAll(k -> k.id().equals(key.id()) ? key : k);
    }

    @Override
    public synchronized boolean replace(ApiKey read, ApiKey changed) {
        if (!find(read.id()).orElseThrow(() -> new IllegalArgumentException("no key " + read.id())).equals(read)) {
            return false;
        }
        update(changed);
        return true;
    }

    @Override
    public Optional<ApiKey> find(String id) {
        return keys.stream().filter(k -> k.id().equals(id)).findFirst();
    }

    @Override
    public Optional<ApiKey> findBySecretHash(String hash) {
        reads.incrementAndGet();
        return keys.stream().filter(k -> k.secretHash().equals(hash)).findFirst();
    }

    @Override
    public List<ApiKey> list() {
        return List.copyOf(keys);
    }
}
