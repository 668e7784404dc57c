package dev.caravan.auth;

import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Path;

/**
 * The ledger tests' dynalite helper ({@code dev.caravan.ledger.Dynalite}, package-private there), reached by
 * reflection so that keys are tested against the same server. Once that class is public, use it directly.
 */
final class LedgerDynalite implements AutoCloseable {

    private final Object dynalite;

    private LedgerDynalite(Object dynalite) {
        this.dynalite = dynalite;
    }

    static LedgerDynalite start(Path dataDir) throws Exception {
        Class<?> type = Class.forName("dev.caravan.ledger.Dynalite");
        Method start = type.getDeclaredMethod("start", Path.class);
        start.setAccessible(true);
        return new LedgerDynalite(start.invoke(null, dataDir));
    }

    URI endpoint() throws Exception {
        Method endpoint = dynalite.getClass().getDeclaredMethod("endpoint");
        endpoint.setAccessible(true);
        return (URI) endpoint.invoke(dynalite);
    }

    @Override
    public void close() throws Exception {
        Method close = dynalite.getClass().getDeclaredMethod("close");
        close.setAccessible(true);
        close.invoke(dynalite);
    }
}
