package dev.caravan.ops;

import dev.caravan.ledger.Ledger;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.Map;

/**
 * Readiness of the cost ledger. Serving stays safe while the store is down, because records wait in the spool:
 * the check is up either way and says how many records are waiting, so an operator sees an outage building up.
 */
final class LedgerHealthCheck extends AbstractHealthCheck {

    private final Ledger ledger;

    LedgerHealthCheck(Ledger ledger) {
        super("caravan", "ledger");
        this.ledger = ledger;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        long waiting = ledger.spoolDepth();
        builder.detail("spool.depth", waiting);
        builder.detail("store", waiting == 0 ? "reachable" : "spooling");
        builder.up();
    }
}
