package dev.caravan.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Settlements and releases of budget holds that the store refused (an outage, throttling, a timeout), tried again in
 * the background with exponential backoff until they land or every period they hold money in has ended: a hold never
 * settled would keep its money reserved, and refuse other requests, for the rest of its period. Settling is idempotent
 * per request, so a retry never counts anything twice. Those still waiting when the ledger closes are tried at once,
 * and again with backoff, for as long as the close allows ({@link #close(Duration)}); how many did not land is logged.
 * <p>
 * While a request's settlement waits ({@link #waitsFor}), the ledger keeps its cost record out of the cost records:
 * a budget catching up with them would count the call, and the retry again. When it ends (landed, given up, or
 * abandoned at the close with no attempt still running) {@code ended} is told, so that the record goes on.
 */
final class SettleRetries {

    private static final Logger LOG = LoggerFactory.getLogger(SettleRetries.class);
    /** At most this many wait at once; beyond, a failed settlement is logged and lapses with its period. */
    static final int MAX_WAITING = 10_000;
    /**
     * At most this many releases of holds that may not have landed wait at once, beside (not among) the settlements:
     * during a store outage every budgeted request's hold fails, and their releases, mostly no-ops, must not crowd out
     * the settlements of calls that did hold.
     */
    static final int MAX_DOUBTFUL = 1_000;

    private final ScheduledThreadPoolExecutor scheduler;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Clock clock;
    private final Set<Pending> waiting = ConcurrentHashMap.newKeySet();
    /** How many of {@link #waiting} are releases of holds that may not have landed. */
    private final AtomicInteger doubtful = new AtomicInteger();
    /** Per request id, how many of its settlements wait (a settle and a release of one request are two). */
    private final Map<String, Integer> waitingPerRequest = new ConcurrentHashMap<>();
    /** Told when the last waiting settlement of a request has ended. */
    private final Runnable ended;
    /** Guards {@link #attempting}, and {@link #closed} as the close sets it. */
    private final Object attempts = new Object();
    /** The settlement an attempt is running for (the timer's or the close's), or null. */
    private Pending attempting;
    /** Set once the close has stopped trying: no attempt begins after, and a settlement refused after is lost (logged). */
    private volatile boolean closed;

    SettleRetries(Duration initialBackoff, Duration maxBackoff, Clock clock, Runnable ended) {
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.clock = clock;
        this.ended = ended;
        this.scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "budget-settle-retry");
            thread.setDaemon(true);
            return thread;
        });
        // At close the waiting ones are tried by the close itself, not by the timer.
        scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Tries {@code attempt} again later (it failed once already); {@code what}: "settle" or "release", for the log. */
    void retry(BudgetReservation reservation, String what, Runnable attempt) {
        if (waiting.size() - doubtful.get() >= MAX_WAITING) {
            LOG.error("budget {} of request {} not retried: {} settlements wait already; its hold lapses with its "
                    + "period", what, reservation.requestId(), MAX_WAITING);
            return;
        }
        wait(new Pending(reservation, what, attempt, false));
    }

    /**
     * Releases later {@code reservation}, whose hold failed and may or may not have landed (a write whose answer was
     * lost); up to {@link #MAX_DOUBTFUL} such wait, beyond which one is logged and lapses with its period.
     */
    void releaseDoubtful(BudgetReservation reservation, Runnable release) {
        if (doubtful.incrementAndGet() > MAX_DOUBTFUL) {
            doubtful.decrementAndGet();
            LOG.warn("budget release of request {}, whose hold failed, not retried: {} such releases wait already; "
                    + "what it may hold lapses with its period", reservation.requestId(), MAX_DOUBTFUL);
            return;
        }
        wait(new Pending(reservation, "release", release, true));
    }

    private void wait(Pending pending) {
        waitingPerRequest.merge(pending.reservation.requestId(), 1, Integer::sum);
        waiting.add(pending);
        schedule(pending, initialBackoff, 1);
    }

    /** Settlements waiting for another attempt. */
    int waiting() {
        return waiting.size();
    }

    /** Whether any settlement waits. */
    boolean anyWaiting() {
        return !waitingPerRequest.isEmpty();
    }

    /** Whether a settlement of the request waits: its cost record must not reach the cost records yet. */
    boolean waitsFor(String requestId) {
        return waitingPerRequest.containsKey(requestId);
    }

    /** Forgets a settlement that landed or will not be tried again; tells {@link #ended} if its request has no other. */
    private boolean end(Pending pending) {
        if (!waiting.remove(pending)) {
            return false;
        }
        if (pending.doubtful) {
            doubtful.decrementAndGet();
        }
        String requestId = pending.reservation.requestId();
        if (waitingPerRequest.computeIfPresent(requestId, (id, count) -> count == 1 ? null : count - 1) == null) {
            ended.run();
        }
        return true;
    }

    /** One settlement waiting; compared by identity (two retries of one request are two). */
    private static final class Pending {
        final BudgetReservation reservation;
        final String what;
        final Runnable attempt;
        /** A release of a hold that may not have landed ({@link #releaseDoubtful}). */
        final boolean doubtful;

        Pending(BudgetReservation reservation, String what, Runnable attempt, boolean doubtful) {
            this.reservation = reservation;
            this.what = what;
            this.attempt = attempt;
            this.doubtful = doubtful;
        }
    }

    private void schedule(Pending pending, Duration delay, int failures) {
        try {
            scheduler.schedule(() -> run(pending, delay, failures), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // The ledger is closing: the close tries what waits, unless it is already done.
            if (closed && end(pending)) {
                LOG.warn("budget {} of request {} not retried: the ledger has closed; its hold lapses with its period",
                        pending.what, pending.reservation.requestId());
            }
        }
    }

    private void run(Pending pending, Duration delay, int failures) {
        String requestId = pending.reservation.requestId();
        try {
            attempt(pending);
            end(pending);
            LOG.info("budget {} of request {} done after {} failed attempts", pending.what, requestId, failures);
        } catch (RuntimeException e) {
            if (!clock.instant().isBefore(lastReset(pending.reservation))) {
                end(pending);
                LOG.error("budget {} of request {} given up after {} attempts ({}): its periods have ended",
                        pending.what, requestId, failures + 1, e.toString());
                return;
            }
            Duration next = longer(delay);
            LOG.warn("budget {} of request {} failed again ({}); retrying in {} ms", pending.what, requestId,
                    e.toString(), next.toMillis());
            schedule(pending, next, failures + 1);
        }
    }

    /** Runs one attempt, known to the close as running while it may still land. */
    private void attempt(Pending pending) {
        synchronized (attempts) {
            if (closed) {
                throw new IllegalStateException("the ledger has closed");
            }
            attempting = pending;
        }
        try {
            pending.attempt.run();
        } finally {
            synchronized (attempts) {
                attempting = null;
            }
        }
    }

    private Duration longer(Duration delay) {
        return delay.multipliedBy(2).compareTo(maxBackoff) < 0 ? delay.multipliedBy(2) : maxBackoff;
    }

    private static Instant lastReset(BudgetReservation reservation) {
        return reservation.windows().stream().map(BudgetWindow::resetsAt).max(Instant::compareTo).orElse(Instant.MIN);
    }

    /**
     * Stops the background retries and tries every settlement still waiting: each at once, then again with backoff,
     * until all landed or {@code within} has passed (an attempt still running then is not waited for). Logs how many
     * landed and how many did not (their holds stay reserved until their periods end). Those that did not are given
     * up, except one whose attempt is still running and may land: its cost record stays out of the cost records
     * (spooled, for the next start).
     *
     * @return how many did not land
     */
    int close(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        scheduler.shutdown();
        int before = waiting.size();
        Thread drain = new Thread(() -> drainUntil(deadline), "budget-settle-drain");
        drain.setDaemon(true);
        try {
            // A retry the timer is running finishes first, so that no settlement is tried twice at once.
            if (scheduler.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    && before > 0) {
                drain.start();
                drain.join(TimeUnit.NANOSECONDS.toMillis(Math.max(0, deadline - System.nanoTime())) + 1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Pending stillRunning;
        synchronized (attempts) {
            closed = true;
            stillRunning = attempting;
        }
        int left = waiting.size();
        if (before > left) {
            LOG.info("{} budget settlements waiting for a retry landed as the ledger closed", before - left);
        }
        if (left > 0) {
            LOG.warn("{} budget settlements could not land in the {} ms the ledger's close had for them; their holds "
                    + "stay reserved until their periods end", left, within.toMillis());
        }
        // Given up, except one whose attempt still runs and may land: its record waits, spooled, for the next start.
        for (Pending pending : List.copyOf(waiting)) {
            if (pending != stillRunning) {
                end(pending);
            }
        }
        return left;
    }

    /** Tries each waiting settlement, round after round with backoff between, until none waits or the deadline. */
    private void drainUntil(long deadline) {
        Duration pause = initialBackoff;
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            for (Pending pending : List.copyOf(waiting)) {
                if (System.nanoTime() >= deadline) {
                    return;
                }
                try {
                    attempt(pending);
                    end(pending);
                } catch (RuntimeException e) {
                    // tried again in the next round
                }
            }
            long left = deadline - System.nanoTime();
            if (!waiting.isEmpty() && left > 0) {
                try {
                    Thread.sleep(Math.min(pause.toMillis(), TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    return;
                }
                pause = longer(pause);
            }
        }
    }
}
