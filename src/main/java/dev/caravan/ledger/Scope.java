package dev.caravan.ledger;

/** Names of the scopes spend is counted and budgeted under: {@code global} or {@code <kind>:<id>}. */
public final class Scope {

    public static final String GLOBAL = "global";
    public static final String APPLICATION = "application";
    public static final String USER = "user";
    public static final String KEY = "key";
    public static final String MODEL = "model";
    public static final String PROVIDER = "provider";

    private Scope() {
    }

    public static String of(String kind, String id) {
        return kind + ":" + id;
    }

    /** The kind of a scope name: {@code global}, {@code user}, ... */
    public static String kindOf(String scope) {
        int colon = scope.indexOf(':');
        return colon < 0 ? scope : scope.substring(0, colon);
    }

    /** The id inside a scope name, or the name itself for {@code global}. */
    public static String idOf(String scope) {
        int colon = scope.indexOf(':');
        return colon < 0 ? scope : scope.substring(colon + 1);
    }
}
