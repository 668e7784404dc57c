package dev.caravan.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
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

    /**
     * A process killed in the middle of an append leaves part of a line and no line break (at any byte, which
     * {@link JsonLinesFileTest} goes through; here one in a multi-byte character among them). The records appended
     * after the restart must not join it: every whole record comes back once, and the depth counts them only.
     */
    @Test
    void aLineTornByAKilledAppendLosesNoRecordAppendedAfterIt() throws Exception {
        byte[] torn = (CostRecordJson.line(record("req-torn")) + "\n").getBytes(StandardCharsets.UTF_8);
        for (int cut : JsonLinesFileTest.tornAt(torn)) {
            Path dir = dataDir.resolve("cut-" + cut);
            CostSpool spool = new CostSpool(dir);
            spool.append(record("req-before"));
            spool.close();
            Files.write(dir.resolve("cost-spool.jsonl"), Arrays.copyOf(torn, cut), StandardOpenOption.APPEND);

            CostSpool restarted = new CostSpool(dir);
            assertEquals(1, restarted.spoolDepth(), "cut at byte " + cut);
            restarted.append(record("req-after-1"));
            restarted.append(record("req-after-2"));
            List<CostRecord> replayed = new ArrayList<>();
            assertEquals(3, restarted.replay(replayed::add), "cut at byte " + cut);

            assertEquals(List.of(record("req-before"), record("req-after-1"), record("req-after-2")), replayed,
                    "cut at byte " + cut);
            assertEquals(0, restarted.spoolDepth(), "cut at byte " + cut);
            restarted.close();
        }
    }

    /**
     * An append that fails partway (a full disk) is cut back off the file; when even that fails, the torn line is cut
     * off as the spool file is opened anew for the next append. Either way the next record is whole.
     */
    @ParameterizedTest(name = "cutting back fails: {0}")
    @ValueSource(booleans = {false, true})
    void anAppendThatFailsPartwayLosesOnlyItsOwnRecord(boolean cutBackFails) throws Exception {
        CostSpool spool = spoolWithAFailedAppend(cutBackFails);
        assertEquals(1, spool.spoolDepth());
        spool.append(record("req-after"));
        assertEquals(2, spool.spoolDepth());

        List<CostRecord> replayed = new ArrayList<>();
        assertEquals(2, spool.replay(replayed::add));
        assertEquals(List.of(record("req-before"), record("req-after")), replayed);
        assertEquals(0, spool.spoolDepth());
        spool.close();
        CostSpool restarted = new CostSpool(dataDir);
        assertEquals(0, restarted.spoolDepth());
        restarted.close();
    }

    /** A replay right after an append that could not be cut back moves no torn line aside. */
    @Test
    void aReplayAfterAnAppendThatCouldNotBeCutBackFindsOnlyWholeRecords() throws Exception {
        CostSpool spool = spoolWithAFailedAppend(true);

        List<CostRecord> replayed = new ArrayList<>();
        assertEquals(1, spool.replay(replayed::add));
        assertEquals(List.of(record("req-before")), replayed);
        assertEquals(0, spool.spoolDepth());
        spool.close();
    }

    /** A spool holding req-before, whose append of req-failed wrote 100 bytes and failed. */
    private CostSpool spoolWithAFailedAppend(boolean cutBackFails) throws Exception {
        TearingChannel.Faults faults = new TearingChannel.Faults();
        CostSpool spool = new CostSpool(dataDir, faults.opener());
        spool.append(record("req-before"));
        faults.nextWriteFailsAfter = 100;
        faults.truncateFails = cutBackFails;
        assertThrows(IOException.class, () -> spool.append(record("req-failed")));
        faults.truncateFails = false;
        return spool;
    }

    /**
     * A line that is no record (here, as an earlier version could leave: a record torn inside a two-byte character
     * with the next record joined to it) is skipped, and the replay goes on with the next line.
     */
    @Test
    void aReplaySkipsALineThatIsNoRecordAndGoesOnWithTheNext() throws Exception {
        byte[] torn = CostRecordJson.line(record("req-torn")).getBytes(StandardCharsets.UTF_8);
        byte[] joined = CostRecordJson.line(record("req-joined")).getBytes(StandardCharsets.UTF_8);
        byte[] after = (CostRecordJson.line(record("req-after")) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(torn, 0, JsonLinesFileTest.indexOf(torn, (byte) 0xc3) + 1);
        file.write(joined);
        file.write('\n');
        file.write(after);
        Files.createDirectories(dataDir);
        Files.write(dataDir.resolve("cost-spool.jsonl"), file.toByteArray());

        CostSpool spool = new CostSpool(dataDir);
        assertEquals(2, spool.spoolDepth());
        List<CostRecord> replayed = new ArrayList<>();
        assertEquals(1, spool.replay(replayed::add));
        assertEquals(List.of(record("req-after")), replayed);
        assertEquals(0, spool.spoolDepth());
        spool.close();
    }

    /** A record with a user whose name is not all ASCII, so that a torn line may end inside a character. */
    private static CostRecord record(String id) {
        return CostStoreContract.record(id, CostStoreContract.NOW, "mock-small", "mock", "Zoë", "checkout",
                BigDecimal.ONE);
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
