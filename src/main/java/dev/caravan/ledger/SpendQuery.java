package dev.caravan.ledger;

import java.time.LocalDate;
import java.util.Objects;

/**
 * Spend over the UTC days {@code from..to} (both included), grouped one way. Grouped by day, {@code scope}
 * says whose spend ({@code global} unless given, e.g. {@code user:alice}); the API takes none for other groupings.
 */
public record SpendQuery(Grouping groupBy, LocalDate from, LocalDate to, String scope) {

    /** What rows of a spend answer stand for. */
    public enum Grouping {
        DAY(null), MODEL(Scope.MODEL), PROVIDER(Scope.PROVIDER), USER(Scope.USER), APPLICATION(Scope.APPLICATION),
        KEY(Scope.KEY);

        private final String scopeKind;

        Grouping(String scopeKind) {
            this.scopeKind = scopeKind;
        }

        /** The kind of counter scope rows come from; null for days. */
        public String scopeKind() {
            return scopeKind;
        }

        public static Grouping fromWire(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** Longest range one query may cover, so a query stays a bounded number of reads. */
    public static final int MAX_DAYS = 366;

    public SpendQuery {
        Objects.requireNonNull(groupBy, "groupBy");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (to.isBefore(from)) {
            throw new IllegalArgumentException("'to' " + to + " is before 'from' " + from);
        }
        if (from.plusDays(MAX_DAYS).isBefore(to)) {
            throw new IllegalArgumentException("a spend query covers at most " + MAX_DAYS + " days");
        }
        scope = scope == null || scope.isBlank() ? Scope.GLOBAL : scope;
    }

    public static SpendQuery of(Grouping groupBy, LocalDate from, LocalDate to) {
        return new SpendQuery(groupBy, from, to, null);
    }
}
