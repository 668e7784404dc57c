package dev.caravan.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The embedded store's journal on its own: what a torn append leaves, and what the lines after it become. */
class CostJournalTest {

    private static final LocalDate DAY = CostJournal.dayOf(record("any"));

    @TempDir
    Path dataDirs;

    /**
     * A process killed in the middle of a batch's append leaves part of a line (one in a multi-byte character among
     * them): the batches appended after the restart come back whole, and reading the day never fails.
     */
    @Test
    void aLineTornByAKilledAppendLeavesTheLinesAppendedAfterItWhole() throws Exception {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        CostRecordJson.write(line, record("req-torn"), "b-torn");
        byte[] torn = line.toByteArray();
        for (int cut : JsonLinesFileTest.tornAt(torn)) {
            Path dataDir = dataDirs.resolve("cut-" + cut);
            try (CostJournal journal = new CostJournal(dataDir)) {
                journal.append("b-before", List.of(record("req-before")));
            }
            Path file = dataDir.resolve("cost-records").resolve(DAY + ".jsonl");
            Files.write(file, Arrays.copyOf(torn, cut), StandardOpenOption.APPEND);

            try (CostJournal restarted = new CostJournal(dataDir)) {
                restarted.append("b-after", List.of(record("req-after-1"), record("req-after-2")));
                assertEquals(List.of("b-before", "b-after", "b-after"), batches(restarted), "cut at byte " + cut);
            }
        }
    }

    /**
     * A batch whose append fails partway (a full disk), in its second line, is cut back off the day's file; when even
     * that fails, the torn line is cut off as the file is opened anew for the next batch. Either way the next batch's
     * lines are whole.
     */
    @ParameterizedTest(name = "cutting back fails: {0}")
    @ValueSource(booleans = {false, true})
    void aBatchWhoseAppendFailsPartwayLeavesTheNextBatchWhole(boolean cutBackFails) {
        TearingChannel.Faults faults = new TearingChannel.Faults();
        try (CostJournal journal = new CostJournal(dataDirs, faults.opener())) {
            journal.append("b-before", List.of(record("req-before")));
            faults.nextWriteFailsAfter = 600;
            faults.truncateFails = cutBackFails;
            assertThrows(IllegalStateException.class,
                    () -> journal.append("b-failed", List.of(record("req-failed-1"), record("req-failed-2"))));
            faults.truncateFails = false;
            journal.append("b-after", List.of(record("req-after")));

            // Not cut back, the failed batch's first line, written whole, stays: its batch never commits.
            assertEquals(cutBackFails ? List.of("b-before", "b-failed", "b-after") : List.of("b-before", "b-after"),
                    batches(journal));
        }
    }

    private static List<String> batches(CostJournal journal) {
        List<String> batches = new ArrayList<>();
        journal.read(DAY, line -> batches.add(CostRecordJson.batchOf(line)));
        return batches;
    }

    private static CostRecord record(String id) {
        return CostStoreContract.record(id, CostStoreContract.NOW, "mock-small", "mock", "Zoë", "checkout",
                BigDecimal.ONE);
    }
}
