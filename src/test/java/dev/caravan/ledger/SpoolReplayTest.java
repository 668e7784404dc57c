package dev.caravan.ledger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * Every spooled record waits for its budget settlement, so a replay offers the store nothing and learns nothing of
     * it: a store known to be down stays so, and records keep going to the spool.
     */
    @Test
    void aReplayThatOffersNothingLeavesADownStoreDown() throws Exception {
        CostSpool spool = new CostSpool(dataDir);
        SpoolReplay replay = replay(spool, Duration.ofMillis(1));
        settlements.retry(new BudgetReservation("held", List.of(), BigDecimal.ONE, null), "settle", () -> {
            throw new IllegalStateException("budget store down");
        });
        replay.storeFailed();
        spool.append(CostStoreContract.record("held", BigDecimal.ONE));
        Path spoolFile = dataDir.resolve("cost-spool.jsonl");
        Object before = Files.readAttributes(spoolFile, BasicFileAttributes.class).fileKey();

        replay.replayLater();
        // a replay moves the spool file aside and starts a new one: once it has, the close waits for that replay
        awaitTrue(() -> !before.equals(fileKey(spoolFile)), "the replay began");
        replay.stopAt(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        replay.close();

        assertFalse(replay.storeHealthy(), "the store is still known to be down");
        assertEquals(1, spool.spoolDepth());
    }

    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null; // moved aside, not yet started again
        }
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
