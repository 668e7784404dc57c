package dev.caravan.ledger;

import dev.caravan.ops.LogLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How an edit of budgets.yaml that cannot apply is reported: once, on one line, naming where the file is wrong. */
class BudgetsFileTest {

    @TempDir
    Path dir;

    @Test
    void anEditThatIsNotValidYamlIsLoggedOnceOnOneLineWithItsLine() throws Exception {
        Path file = dir.resolve("budgets.yaml");
        Files.writeString(file, "global: {daily: 100}\n");
        BudgetsFile budgets = new BudgetsFile(file, new BudgetLedger(BudgetConfig.load(file), null, Clock.systemUTC()));
        try (LogLines log = LogLines.capture(BudgetsFile.class.getName())) {
            Files.writeString(file, "global: {daily: 100}\napplications: [\n");

            assertFalse(budgets.reloadIfChanged());
            assertFalse(budgets.reloadIfChanged(), "checked again");
            List<LogLines.Line> errors = log.matching(line -> line.level().equals("ERROR"));
            assertEquals(1, errors.size(), errors.toString());
            String message = errors.get(0).message();
            assertTrue(message.startsWith("Budgets " + file + " rejected, the previous limits keep applying: budgets: "
                    + "not valid YAML at line 3, column 1: "), message);
            assertFalse(message.contains("\n"), "on one line: " + message);
        }
    }
}
