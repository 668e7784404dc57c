package dev.caravan.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Settlements and releases of budget holds that the store refused (an outage, throttling, a timeout), tried again in
 * the background with exponential backoff until they land or every period they hold money in has ended: a hold never
 * settled would keep its money reserved, and refuse other requests, for the rest of its period. Settling is idempotent
 * per request, so a retry never counts anything twice. Retries waiting when the process stops are lost (logged).
 */
final class SettleRetries implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SettleRetries.class);
    /** At most this many wait at once; beyond, a failed settlement is logged and lapses with its period. */
    static final int MAX_WAITING = 10_000;

    private final ScheduledExecutorService scheduler;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Clock clock;
    private final AtomicInteger waiting = new AtomicInteger();

    SettleRetries(Duration initialBackoff, Duration maxBackoff, Clock clock) {
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "budget-settle-retry");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Tries {@code attempt} again later (it failed once already); {@code what}: "settle" or "release", for the log. */
    void retry(BudgetReservation reservation, String what, Runnable attempt) {
        if (waiting.incrementAndGet() > MAX_WAITING) {
            waiting.decrementAndGet();
            LOG.error("budget {} of request {} not retried: {} settlements wait already; its hold lapses with its "
                    + "period", what, reservation.requestId(), MAX_WAITING);
            return;
        }
        schedule(new Pending(reservation, what, attempt), initialBackoff, 1);
    }

    /** Settlements waiting for another attempt. */
    int waiting() {
        return waiting.get();
    }

    private record Pending(BudgetReservation reservation, String what, Runnable attempt) {
    }

    private void schedule(Pending pending, Duration delay, int failures) {
        try {
            scheduler.schedule(() -> run(pending, delay, failures), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            waiting.decrementAndGet();
            LOG.warn("budget {} of request {} not retried: the ledger is closing; its hold lapses with its period",
                    pending.what(), pending.reservation().requestId());
        }
    }

    private void run(Pending pending, Duration delay, int failures) {
        String requestId = pending.reservation().requestId();
        try {
            pending.attempt().run();
            waiting.decrementAndGet();
            LOG.info("budget {} of request {} done after {} failed attempts", pending.what(), requestId, failures);
        } catch (RuntimeException e) {
            if (!clock.instant().isBefore(lastReset(pending.reservation()))) {
                waiting.decrementAndGet();
                LOG.error("budget {} of request {} given up after {} attempts ({}): its periods have ended",
                        pending.what(), requestId, failures + 1, e.toString());
                return;
            }
            Duration next = delay.multipliedBy(2).compareTo(maxBackoff) < 0 ? delay.multipliedBy(2) : maxBackoff;
            LOG.warn("budget {} of request {} failed again ({}); retrying in {} ms", pending.what(), requestId,
                    e.toString(), next.toMillis());
            schedule(pending, next, failures + 1);
        }
    }

    private static Instant lastReset(BudgetReservation reservation) {
        return reservation.windows().stream().map(BudgetWindow::resetsAt).max(Instant::compareTo).orElse(Instant.MIN);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        if (waiting.get() > 0) {
            LOG.warn("{} budget settlements had not landed when the ledger closed; their holds lapse with their periods",
                    waiting.get());
        }
    }
}
