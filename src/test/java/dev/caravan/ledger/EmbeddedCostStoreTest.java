package dev.caravan.ledger;

import dev.caravan.api.RequestIds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contract on the embedded H2 store; an outage is the database file going away under the running store. */
class EmbeddedCostStoreTest extends CostStoreContract {

    @TempDir
    Path dataDirs;

    private Path dataDir;
    private EmbeddedDatabase database;
    private int opened;

    @Override
    public CostStore openCostStore() {
        dataDir = dataDirs.resolve("data-" + ++opened);
        database = new EmbeddedDatabase(dataDir);
        return new EmbeddedCostStore(database);
    }

    @Override
    public BudgetStore openBudgetStore(boolean secondInstance) {
        // One process owns an H2 file: a second gateway instance would need DynamoDB.
        return new EmbeddedBudgetStore(database);
    }

    @Override
    public BudgetStore budgetStoreAfterClose() {
        return new EmbeddedBudgetStore(closeLater(new EmbeddedDatabase(dataDir)));
    }

    @Override
    public void stopStore() throws Exception {
        Files.move(dataDir.resolve("ledger.mv.db"), dataDir.resolve("ledger.mv.db.away"));
        try (Connection connection = DriverManager.getConnection("jdbc:h2:file:" + dataDir.resolve("ledger")
                + ";IFEXISTS=TRUE"); Statement statement = connection.createStatement()) {
            statement.execute("SHUTDOWN");
        }
    }

    @Override
    public void startStore() throws Exception {
        Files.move(dataDir.resolve("ledger.mv.db.away"), dataDir.resolve("ledger.mv.db"));
    }

    private Path journalDay(String day) {
        return dataDir.resolve("cost-records").resolve(day + ".jsonl");
    }

    private static long lines(Path file) throws Exception {
        return Files.readAllLines(file, StandardCharsets.UTF_8).size();
    }

    @Test
    void recordsGoToADayFileOfTheJournalAndAReplayedOneIsReadBackOnce() throws Exception {
        CostStore store = closeLater(openCostStore());
        CostRecord record = record("req-replayed", new BigDecimal("0.25"));
        assertTrue(store.record(record));
        assertFalse(store.record(record));
        store.recordAll(List.of(record("req-grouped-1", BigDecimal.ONE), record("req-grouped-2", BigDecimal.TEN)));

        // The refused replay wrote a line whose batch never committed: it is in the file and counts nowhere.
        assertEquals(4, lines(journalDay("2025-03-02")));
        List<CostRecord> alice = store.records("user:alice", NOW.minusSeconds(60), NOW.plusSeconds(60), 10);
        assertEquals(List.of("req-grouped-1", "req-grouped-2", "req-replayed"),
                alice.stream().map(CostRecord::requestId).sorted().toList());
        assertEquals(record, store.find("req-replayed").orElseThrow());
        assertEquals(3, store.counter("user:alice", "2025-03-02").requests());
    }

    @Test
    void aLineTornByACrashIsSkippedAndTheNextRecordStartsOnALineOfItsOwn() throws Exception {
        CostStore store = openCostStore();
        store.record(record("req-before", BigDecimal.ONE));
        store.close();
        // Lines that are not records (a damaged file), then a crash in the middle of an append: half a line, no
        // line break, and no committed batch behind it.
        Files.writeString(journalDay("2025-03-02"), "{\"note\":\"not a record\"}\n[1, 2]\n"
                + "{\"batch\":\"b-odd\",\"requestId\":\"req-odd\",\"timestamp\":\"yesterday\",\"userId\":\"alice\"}\n"
                + "{\"batch\":\"b-torn\",\"requestId\":\"req-to", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        database = new EmbeddedDatabase(dataDir);
        CostStore reopened = closeLater(new EmbeddedCostStore(database));
        reopened.record(record("req-after", BigDecimal.TEN));

        assertTrue(reopened.find("req-before").isPresent());
        assertTrue(reopened.find("req-after").isPresent());
        assertEquals(List.of("req-after", "req-before"), reopened.records("user:alice", NOW, NOW.plusMillis(1), 10)
                .stream().map(CostRecord::requestId).sorted().toList());
        assertEquals(2, reopened.counter("global", "2025-03-02").requests());
    }

    @Test
    void aBatchWhoseTransactionFailsCountsNowhereThoughItsLinesWereWritten() throws Exception {
        CostStore store = closeLater(openCostStore());
        store.record(record("req-kept", BigDecimal.ONE));
        stopStore();
        assertThrows(RuntimeException.class, () -> store.recordAll(List.of(record("req-lost", BigDecimal.TEN))));
        startStore();

        assertEquals(2, lines(journalDay("2025-03-02")));
        assertTrue(store.find("req-lost").isEmpty());
        assertEquals(List.of("req-kept"), store.records("application:checkout", NOW, NOW.plusSeconds(1), 10)
                .stream().map(CostRecord::requestId).toList());
        assertEquals(1, store.counter("global", "2025-03-02").requests());
    }

    @Test
    void recordsAreFoundOnTheDayOfTheirTimeAndAcrossDays() throws Exception {
        CostStore store = closeLater(openCostStore());
        Instant lateOnFirst = Instant.parse("2025-03-01T23:59:59.999Z");
        Instant earlyOnSecond = Instant.parse("2025-03-02T00:00:00Z");
        String id = "req_" + String.format("%012x", lateOnFirst.toEpochMilli()) + "0123456789abcdef0123";
        store.recordAll(List.of(record(id, lateOnFirst, "gpt-4o", "openai", "bob", "search", BigDecimal.ONE),
                record("other", earlyOnSecond, "gpt-4o", "openai", "bob", "search", BigDecimal.ONE)));

        assertTrue(Files.exists(journalDay("2025-03-01")) && Files.exists(journalDay("2025-03-02")));
        assertEquals(Optional.of(lateOnFirst), RequestIds.timeOf(id));
        assertEquals(Optional.empty(), RequestIds.timeOf("req-17"));
        assertEquals(Optional.empty(), RequestIds.timeOf("req_not-hex-digits-at-all"));
        assertEquals(lateOnFirst, store.find(id).orElseThrow().timestamp());
        assertEquals(List.of(id, "other"), store.records("user:bob", lateOnFirst, earlyOnSecond.plusMillis(1), 10)
                .stream().map(CostRecord::requestId).toList());
        assertEquals(List.of(id), store.records("user:bob", lateOnFirst, earlyOnSecond, 10)
                .stream().map(CostRecord::requestId).toList());
        assertEquals(List.of(id), store.records("user:bob", lateOnFirst, earlyOnSecond.plusMillis(1), 1)
                .stream().map(CostRecord::requestId).toList());
    }

    @Test
    void aDayWrittenToAgainAfterLaterDaysKeepsItsEarlierRecords() throws Exception {
        CostStore store = closeLater(openCostStore());
        List<String> days = List.of("2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04", "2025-03-01");
        for (int i = 0; i < days.size(); i++) {
            Instant at = Instant.parse(days.get(i) + "T12:00:00Z");
            store.recordAll(List.of(record("req-day-" + i, at, "gpt-4o", "openai", "carol", "search", BigDecimal.ONE)));
        }
        assertEquals(2, lines(journalDay("2025-03-01")));
        assertEquals(List.of("req-day-0", "req-day-4", "req-day-1", "req-day-2", "req-day-3"),
                store.records("user:carol", Instant.parse("2025-03-01T00:00:00Z"), Instant.parse("2025-03-05T00:00:00Z"), 10)
                        .stream().map(CostRecord::requestId).toList());
        assertTrue(store.records("user:carol", Instant.parse("2025-03-01T00:00:00Z"), Instant.parse("2025-03-05T00:00:00Z"), 0)
                .isEmpty());
    }

    @Test
    void batchIdsBeginWithTheirTimeSoThatTheyGrowAtTheEndOfTheirIndex() throws Exception {
        String first = EmbeddedCostStore.batchId();
        Thread.sleep(2);
        String second = EmbeddedCostStore.batchId();
        assertEquals(28, first.length());
        assertTrue(first.substring(0, 12).compareTo(second.substring(0, 12)) < 0, first + " " + second);
        assertTrue(Math.abs(Long.parseLong(first.substring(0, 12), 16) - System.currentTimeMillis()) < 60_000);
    }

    @Test
    void recordsAnEarlierVersionKeptInTheDatabaseAreStillRead() throws Exception {
        dataDir = dataDirs.resolve("from-an-earlier-version");
        database = new EmbeddedDatabase(dataDir);
        database.inTransaction(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("""
                        CREATE TABLE cost_records (
                          request_id VARCHAR PRIMARY KEY, ts_millis BIGINT NOT NULL, ts VARCHAR NOT NULL, provider VARCHAR,
                          requested_model VARCHAR, served_model VARCHAR, prompt_tokens BIGINT, completion_tokens BIGINT,
                          cached_tokens BIGINT, cache_write_tokens BIGINT, cost DECIMAL(38, 18) NOT NULL, user_id VARCHAR,
                          application VARCHAR, key_id VARCHAR, status VARCHAR NOT NULL, latency_millis BIGINT,
                          ttft_millis BIGINT, attempts INT, usage_reported BOOLEAN NOT NULL)""");
                statement.execute("INSERT INTO cost_records VALUES ('req-old', " + NOW.minusSeconds(5).toEpochMilli()
                        + ", '" + NOW.minusSeconds(5) + "', 'mock', 'mock-small', 'mock-small', 100, 20, 10, 0, 0.5, "
                        + "'alice', 'checkout', 'key-1', 'ok', 250, 40, 1, TRUE)");
            }
            return null;
        });
        CostStore store = closeLater(new EmbeddedCostStore(database));
        store.record(record("req-new", BigDecimal.ONE));

        assertEquals(record("req-old", NOW.minusSeconds(5), "mock-small", "mock", "alice", "checkout",
                new BigDecimal("0.5")), store.find("req-old").orElseThrow());
        assertEquals(List.of("req-old", "req-new"), store.records("user:alice", NOW.minusSeconds(60), NOW.plusSeconds(1), 10)
                .stream().map(CostRecord::requestId).toList());
        assertEquals(List.of("req-old"), store.records("application:checkout", NOW.minusSeconds(60), NOW.plusSeconds(1), 1)
                .stream().map(CostRecord::requestId).toList());
    }
}
