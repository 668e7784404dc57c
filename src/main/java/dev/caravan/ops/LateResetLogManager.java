package dev.caravan.ops;

import java.util.logging.LogManager;

/**
 * java.util.logging's LogManager, without its own shutdown hook's reset. On SIGTERM the JVM runs every shutdown hook
 * at once: the LogManager's would close every handler while Camel still drains in-flight requests, losing their
 * access lines and the shutdown's own. The handlers' writer threads write what they hold when the Camel context has
 * stopped ({@link StdoutHandler#flushAll}) and when the JVM shuts down, and from then on each record before its
 * publish returns ({@link QueuedOutput}), so nothing waits for a close at exit.
 * Named by {@code java.util.logging.manager}, which {@link LogSetup} sets.
 */
public class LateResetLogManager extends LogManager {

    private static final String SHUTDOWN_HOOK = "java.util.logging.LogManager$Cleaner";

    public LateResetLogManager() {
    }

    @Override
    public void reset() {
        if (!Thread.currentThread().getClass().getName().equals(SHUTDOWN_HOOK)) {
            super.reset();
        }
    }
}
