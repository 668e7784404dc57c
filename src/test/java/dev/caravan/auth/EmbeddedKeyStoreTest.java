package dev.caravan.auth;

import dev.caravan.ledger.EmbeddedDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Keys in the ledger's embedded H2 database. */
class EmbeddedKeyStoreTest extends KeyStoreContract {

    @TempDir
    Path dataDir;
    private EmbeddedDatabase database;
    private EmbeddedKeyStore store;

    @BeforeEach
    void open() {
        database = new EmbeddedDatabase(dataDir);
        store = new EmbeddedKeyStore(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Override
    KeyStore store() {
        return store;
    }

    @Test
    void keysSurviveARestartInTheSameFileAsTheLedger() {
        ApiKey key = key(KeySecrets.newSecret());
        store.create(key);
        database.close();

        database = new EmbeddedDatabase(dataDir);
        EmbeddedKeyStore reopened = new EmbeddedKeyStore(database);

        assertEquals(key, reopened.find(key.id()).orElseThrow());
        assertEquals(1, java.util.Objects.requireNonNull(dataDir.toFile().list((dir, name) -> name.startsWith("ledger."))).length);
    }
}
