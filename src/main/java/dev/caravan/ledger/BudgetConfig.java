package dev.caravan.ledger;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Budget limits in USD per scope and period, read from {@code config/budgets.yaml}:
 * <pre>
 * global: {daily: 100, monthly: 2000}
 * applications:
 *   checkout: {daily: 20}
 *   "*": {daily: 5}          # every other application, each on its own
 * users: {alice: {monthly: 50}}
 * keys: {key-7f3a: {daily: 1.5}}
 * </pre>
 * Unknown sections or periods are rejected: a budget that is silently not enforced is worse than none.
 */
public final class BudgetConfig {

    /** The id under a section that stands for every id without its own entry. */
    public static final String EVERY = "*";

    private static final Map<String, String> SECTIONS = Map.of(
            "applications", Scope.APPLICATION, "users", Scope.USER, "keys", Scope.KEY);

    private final Map<String, Map<Period, BigDecimal>> limits;

    private BudgetConfig(Map<String, Map<Period, BigDecimal>> limits) {
        this.limits = limits;
    }

    public static BudgetConfig none() {
        return new BudgetConfig(Map.of());
    }

    /** Reads the file; a missing file means no budgets. */
    public static BudgetConfig load(Path file) {
        if (file == null || !Files.exists(file)) {
            return none();
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(new Load(LoadSettings.builder().build()).loadFromReader(reader), file.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read budgets from " + file, e);
        }
    }

    public static BudgetConfig parse(String yaml) {
        return parse(new Load(LoadSettings.builder().build()).loadFromString(yaml), "budgets");
    }

    /**
     * An edit of the budgets file: as {@link #parse}, but a file with nothing in it (empty, or only comments) is
     * refused rather than read as "no budgets", since that is what a save caught half way looks like. No budgets at
     * all is written {@code {}}.
     */
    public static BudgetConfig parseEdit(String yaml) {
        Object document;
        try {
            document = new Load(LoadSettings.builder().build()).loadFromString(yaml);
        } catch (MarkedYamlEngineException e) {
            throw notYaml(e);
        }
        if (document == null) {
            throw new IllegalArgumentException("the file is empty; to remove every budget, write {}");
        }
        return parse(document, "budgets");
    }

    /** The parser's error on one line (its own message spans several, with a caret drawing), where it is. */
    private static IllegalArgumentException notYaml(MarkedYamlEngineException e) {
        String where = e.getProblemMark().map(mark -> " at line " + (mark.getLine() + 1) + ", column "
                + (mark.getColumn() + 1)).orElse("");
        String problem = (e.getContext() == null ? "" : e.getContext() + ": ") + e.getProblem();
        return new IllegalArgumentException("budgets: not valid YAML" + where + ": " + problem, e);
    }

    private static BudgetConfig parse(Object document, String source) {
        Map<String, Map<Period, BigDecimal>> limits = new LinkedHashMap<>();
        if (document == null) {
            return new BudgetConfig(limits);
        }
        for (Map.Entry<String, Object> section : mapping(document, source).entrySet()) {
            String name = section.getKey();
            if (name.equals(Scope.GLOBAL)) {
                limits.put(Scope.GLOBAL, periods(section.getValue(), source + ": global"));
            } else if (SECTIONS.containsKey(name)) {
                for (Map.Entry<String, Object> entry : mapping(section.getValue(), source + ": " + name).entrySet()) {
                    limits.put(Scope.of(SECTIONS.get(name), entry.getKey()),
                            periods(entry.getValue(), source + ": " + name + "." + entry.getKey()));
                }
            } else {
                throw new IllegalArgumentException(source + ": unknown section '" + name
                        + "' (global, applications, users, keys)");
            }
        }
        return new BudgetConfig(limits);
    }

    private static Map<Period, BigDecimal> periods(Object node, String where) {
        Map<Period, BigDecimal> periods = new EnumMap<>(Period.class);
        for (Map.Entry<String, Object> entry : mapping(node, where).entrySet()) {
            BigDecimal limit = amount(entry.getValue(), where + "." + entry.getKey());
            periods.put(Period.fromAdjective(entry.getKey()), limit);
        }
        return periods;
    }

    private static BigDecimal amount(Object value, String where) {
        BigDecimal amount;
        if (value instanceof Number || value instanceof String) {
            try {
                amount = new BigDecimal(value.toString());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": not an amount: " + value);
            }
        } else {
            throw new IllegalArgumentException(where + ": not an amount: " + value);
        }
        if (amount.signum() < 0) {
            throw new IllegalArgumentException(where + ": a limit cannot be negative: " + value);
        }
        // YAML reads 0.0001 as a double, whose text is 1.0E-4: keep the limit as written (0.0001, not 0.00010).
        amount = amount.stripTrailingZeros();
        return amount.scale() < 0 ? amount.setScale(0) : amount;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mapping(Object node, String where) {
        if (node == null) {
            return Map.of();
        }
        if (!(node instanceof Map)) {
            throw new IllegalArgumentException(where + ": expected a mapping, found " + node);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        ((Map<Object, Object>) node).forEach((key, value) -> result.put(String.valueOf(key), value));
        return result;
    }

    /** The limits of a scope ({@code global}, {@code user:alice}), falling back to the section's {@code "*"}. */
    public Map<Period, BigDecimal> limitsOf(String scope) {
        Map<Period, BigDecimal> own = limits.get(scope);
        if (own != null || scope.equals(Scope.GLOBAL)) {
            return own == null ? Map.of() : own;
        }
        return limits.getOrDefault(Scope.of(Scope.kindOf(scope), EVERY), Map.of());
    }

    /** Every scope named in the file, {@code "*"} entries included. */
    public Set<String> scopes() {
        return limits.keySet();
    }

    public boolean isEmpty() {
        return limits.isEmpty();
    }
}
