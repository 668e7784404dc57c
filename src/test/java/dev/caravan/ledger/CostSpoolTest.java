package dev.caravan.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CostSpoolTest {

    @TempDir
    Path dataDir;

    @Test
    void spooledRecordsSurviveARestartAndComeBackUnchanged() throws Exception {
        CostSpool spool = new CostSpool(dataDir);
        CostRecord record = new CostRecord("req-1", CostStoreContract.NOW, "bedrock", "claude-3-haiku",
                "anthropic.claude-3-haiku-20240307-v1:0", 1200, 300, 1000, 50, new BigDecimal("0.000987654321"), "alice",
                null, "key-1", CostRecord.Status.PARTIAL, 1234, null, 2, false);
        spool.append(record);
        spool.close();

        CostSpool reopened = new CostSpool(dataDir);
        List<CostRecord> replayed = new ArrayList<>();
        assertEquals(1, reopened.spoolDepth());
        assertEquals(1, reopened.replay(replayed::add));

        assertEquals(List.of(record), replayed);
        assertEquals(0, reopened.spoolDepth());
    }

    @Test
    void aReplayStopsAtTheFirstFailureAndKeepsTheRestWithTheFailedRecordLast() throws Exception {
        CostSpool spool = spoolOf(5);
        List<String> taken = new ArrayList<>();

        assertEquals(2, spool.replay(r -> {
            if (r.requestId().equals("req-2")) {
                throw new IllegalStateException("store down");
            }
            return taken.add(r.requestId());
        }));
        assertEquals(3, spool.spoolDepth());

        spool.replay(r -> taken.add(r.requestId()));
        assertEquals(List.of("req-0", "req-1", "req-3", "req-4", "req-2"), taken);
        assertEquals(0, spool.spoolDepth());
    }

    @Test
    void recordsHeldBackStayInTheirPlaceAndTheReplayGoesOnWithTheOthers() throws Exception {
        CostSpool spool = spoolOf(4);
        List<String> taken = new ArrayList<>();

        assertEquals(2, spool.replay(r -> r.requestId().equals("req-1") || r.requestId().equals("req-2"),
                r -> taken.add(r.requestId())));
        assertEquals(List.of("req-0", "req-3"), taken);
        assertEquals(2, spool.spoolDepth());

        spool.replay(r -> taken.add(r.requestId()));
        assertEquals(List.of("req-0", "req-3", "req-1", "req-2"), taken);
        assertEquals(0, spool.spoolDepth());
    }

    /**
     * The spool is closed under a replay (as a close that does not wait for it does), so the records left cannot be
     * put back: the aside file keeps them all, and the depth must count what a restart would find.
     */
    @Test
    void aReplayThatCannotPutItsRecordsBackLeavesTheDepthAtWhatTheSpoolHolds() throws Exception {
        CostSpool spool = spoolOf(3);

        assertThrows(IOException.class, () -> spool.replay(r -> {
            if (r.requestId().equals("req-1")) {
                closeQuietly(spool);
                return false;
            }
            return true;
        }));

        CostSpool reopened = new CostSpool(dataDir);
        try {
            assertEquals(3, reopened.spoolDepth());
            assertEquals(reopened.spoolDepth(), spool.spoolDepth());
        } finally {
            reopened.close();
        }
    }

    private static void closeQuietly(CostSpool spool) {
        try {
            spool.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A spool holding {@code records} records, req-0 first. */
    private CostSpool spoolOf(int records) throws Exception {
        CostSpool spool = new CostSpool(dataDir);
        for (int i = 0; i < records; i++) {
            spool.append(CostStoreContract.record("req-" + i, BigDecimal.ONE));
        }
        return spool;
    }
}
