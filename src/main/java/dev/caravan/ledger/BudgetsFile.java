package dev.caravan.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Keeps the budgets in force equal to config/budgets.yaml: checked by the reload route, swapped in when the file's
 * content changed and parses; an invalid edit (an empty file among them) is logged once and the previous limits keep
 * applying.
 */
public final class BudgetsFile {

    private static final Logger LOG = LoggerFactory.getLogger(BudgetsFile.class);

    private final Path file;
    private final BudgetLedger budgets;
    private byte[] applied;
    private byte[] rejected;

    public BudgetsFile(Path file, BudgetLedger budgets) {
        this.file = file;
        this.budgets = budgets;
        this.applied = read();
    }

    public synchronized boolean reloadIfChanged() {
        byte[] content = read();
        if (content == null || Arrays.equals(content, applied) || Arrays.equals(content, rejected)) {
            return false;
        }
        try {
            budgets.replace(BudgetConfig.parseEdit(new String(content, java.nio.charset.StandardCharsets.UTF_8)));
            applied = content;
            rejected = null;
            LOG.info("Budgets {} reloaded", file);
            return true;
        } catch (RuntimeException e) {
            rejected = content;
            LOG.error("Budgets {} rejected, the previous limits keep applying: {}", file, e.getMessage());
            return false;
        }
    }

    private byte[] read() {
        try {
            return Files.exists(file) ? Files.readAllBytes(file) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
