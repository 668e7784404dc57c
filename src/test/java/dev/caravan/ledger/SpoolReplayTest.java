package dev.caravan.ledger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpoolReplayTest {

    @TempDir
    Path dataDir;

    private EmbeddedCostStore store;
    private SettleRetries settlements;

    @AfterEach
    void closeStore() {
        if (settlements != null) {
            settlements.close(Duration.ZERO);
        }
        if (store != null) {
            store.close();
        }
    }

    /**
     * A replay has run, so the replay thread exists; a close whose time is already up must still close the spool,
     * though that thread may not have ended yet.
     */
    @Test
    void aCloseWithNoTimeLeftClosesTheSpoolWhenNoReplayRuns() throws Exception {
        CostSpool spool = new CostSpool(dataDir);
        SpoolReplay replay = replay(spool, Duration.ofMillis(1));
        replay.storeFailed();
        spool.append(CostStoreContract.record("spooled", BigDecimal.ONE));
        replay.replayLater();
        awaitTrue(replay::storeHealthy, "the replay stored the spooled record");

        replay.stopAt(System.nanoTime());
        replay.close();

        assertThrows(IOException.class, () -> spool.append(CostStoreContract.record("after-close", BigDecimal.ONE)),
                "the spool is closed");
    }

    private SpoolReplay replay(CostSpool spool, Duration initialBackoff) {
        store = new EmbeddedCostStore(new EmbeddedDatabase(dataDir));
        settlements = new SettleRetries(Duration.ofMinutes(10), Duration.ofMinutes(10), Clock.systemUTC(), () -> { });
        return new SpoolReplay(spool, store, settlements, initialBackoff, Duration.ofMinutes(10));
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(condition.getAsBoolean(), what);
    }
}
