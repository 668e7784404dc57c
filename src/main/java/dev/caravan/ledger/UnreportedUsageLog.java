package dev.caravan.ledger;

import org.slf4j.Logger;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The warning for requests that ended without their provider's whole usage (a stream cut short by its caller or by a
 * failure, or ended by the gateway at a stop sequence it applies itself), whose cost is therefore an estimate: one line
 * per {@code interval} at most, the next one saying how many more there were meanwhile. Where such requests are common
 * (one-line completions with a {@code "\n"} stop on Claude) a line each would flood the log; every one of them is in
 * the cost records all the same ({@code usageReported} false).
 */
final class UnreportedUsageLog {

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    // Guarded by this:
    private boolean logged;
    private long lastLogged;
    private long since;

    UnreportedUsageLog(Logger log, Duration interval, LongSupplier nanoClock) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
    }

    void note(CostRecord record) {
        long more;
        synchronized (this) {
            long now = nanoClock.getAsLong();
            if (logged && now - lastLogged < intervalNanos) {
                since++;
                return;
            }
            more = since;
            logged = true;
            lastLogged = now;
            since = 0;
        }
        log.warn("request {} ended without its whole usage from {} ({}); recorded as unreported, cost {} (estimated){}",
                record.requestId(), record.provider(), record.model(), record.cost().toPlainString(), more == 0 ? ""
                        : "; " + more + " more requests ended so since the last such line");
    }
}
