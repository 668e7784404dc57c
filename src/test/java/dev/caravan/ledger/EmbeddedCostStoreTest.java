package dev.caravan.ledger;

import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** The contract on the embedded H2 store; an outage is the database file going away under the running store. */
class EmbeddedCostStoreTest extends CostStoreContract {

    @TempDir
    Path dataDirs;

    private Path dataDir;
    private EmbeddedDatabase database;
    private int opened;

    @Override
    CostStore openCostStore() {
        dataDir = dataDirs.resolve("data-" + ++opened);
        database = new EmbeddedDatabase(dataDir);
        return new EmbeddedCostStore(database);
    }

    @Override
    BudgetStore openBudgetStore(boolean secondInstance) {
        // One process owns an H2 file: a second gateway instance would need DynamoDB.
        return new EmbeddedBudgetStore(database);
    }

    @Override
    void stopStore() throws Exception {
        Files.move(dataDir.resolve("ledger.mv.db"), dataDir.resolve("ledger.mv.db.away"));
        try (Connection connection = DriverManager.getConnection("jdbc:h2:file:" + dataDir.resolve("ledger")
                + ";IFEXISTS=TRUE"); Statement statement = connection.createStatement()) {
            statement.execute("SHUTDOWN");
        }
    }

    @Override
    void startStore() throws Exception {
        Files.move(dataDir.resolve("ledger.mv.db.away"), dataDir.resolve("ledger.mv.db"));
    }
}
