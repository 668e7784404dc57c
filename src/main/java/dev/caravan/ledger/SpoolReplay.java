package dev.caravan.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gets the spooled cost records into the store: on the {@code cost-spool-replay} thread, after a backoff that doubles
 * while the store refuses them, at once when a budget settlement that records waited for has ended, and one last time
 * at the ledger's close, within its deadline. A record whose settlement still waits ({@link SettleRetries#waitsFor})
 * is not offered: it stays spooled, in its place. Also knows whether the store is taking records: from a failed write
 * until a replay offers records and gets every one of them into the store, records go straight to the spool.
 */
final class SpoolReplay {

    /** The ledger's logger, as before this class had its own: operators' filters and alerts name it. */
    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

    private final CostSpool spool;
    private final CostStore store;
    private final SettleRetries settlements;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final ScheduledThreadPoolExecutor replayer;
    private final Object replayState = new Object();
    private volatile boolean storeHealthy = true;
    private boolean replayScheduled;
    /** A settlement that records waited for ended since the running replay began: replay again after it. */
    private boolean replayAgain;
    private Duration backoff;
    /** Whether a background replay runs (guarded by {@link #replayState}). */
    private boolean replayRunning;
    /** Set by the close when no background replay runs: none begins after, the spool being the close's. */
    private boolean replaysStopped;
    /** Set by the ledger's close: from {@link #closeDeadline} on, replays leave what is spooled for the next start. */
    private volatile boolean closing;
    private volatile long closeDeadline;

    /** Replays at once what an earlier run left in the spool. */
    SpoolReplay(CostSpool spool, CostStore store, SettleRetries settlements, Duration initialBackoff,
                Duration maxBackoff) {
        this.spool = spool;
        this.store = store;
        this.settlements = settlements;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.backoff = initialBackoff;
        this.replayer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "cost-spool-replay");
            thread.setDaemon(true);
            return thread;
        });
        // At close a replay waiting for its backoff is not waited for: the close replays what is left itself.
        replayer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        if (spool.spoolDepth() > 0) {
            LOG.info("{} cost records wait in the spool from an earlier run; replaying them", spool.spoolDepth());
            schedule(Duration.ZERO);
        }
    }

    /** Whether records go to the store: false from a failed write until a replay finds the store back. */
    boolean storeHealthy() {
        return storeHealthy;
    }

    /** The store refused records: records go straight to the spool until a replay gets them all into the store. */
    void storeFailed() {
        storeHealthy = false;
    }

    /** Records were spooled because the store refused them: replay them after the backoff. */
    void replayLater() {
        schedule(null);
    }

    /** A settlement that records waited for has ended: replay them now, or again right after the replay running. */
    void settlementEnded() {
        synchronized (replayState) {
            replayAgain = true;
        }
        schedule(Duration.ZERO);
    }

    /** {@code delay} null: the backoff. */
    private void schedule(Duration delay) {
        synchronized (replayState) {
            if (replayScheduled || replayer.isShutdown()) {
                return;
            }
            try {
                replayer.schedule(this::replay, (delay == null ? backoff : delay).toMillis(), TimeUnit.MILLISECONDS);
                replayScheduled = true;
            } catch (RejectedExecutionException closed) {
                // the close replays what is spooled
            }
        }
    }

    private void replay() {
        synchronized (replayState) {
            if (replaysStopped) {
                return;
            }
            replayRunning = true;
            replayAgain = false;
        }
        AtomicInteger held = new AtomicInteger();
        AtomicInteger offered = new AtomicInteger();
        int taken = 0;
        try {
            taken = spool.replay(record -> {
                boolean notYet = notYet(record);
                if (notYet) {
                    held.incrementAndGet();
                }
                return notYet;
            }, record -> {
                offered.incrementAndGet();
                return replayOne(record);
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("cost spool replay failed: {}", e.toString());
        }
        Duration next = null;
        synchronized (replayState) {
            replayRunning = false;
            replayScheduled = false;
            if (spool.spoolDepth() <= held.get()) { // the store took every record it was offered
                if (offered.get() > 0) { // a replay that offered nothing learned nothing of the store
                    storeHealthy = true;
                }
                backoff = initialBackoff;
                if (held.get() == 0) {
                    LOG.info("cost spool drained ({} records replayed)", taken);
                } else if (taken > 0) {
                    LOG.info("{} spooled cost records replayed; {} wait for their budget settlement", taken,
                            held.get());
                }
                if (!replayAgain) {
                    return;
                }
                next = Duration.ZERO;
            } else {
                backoff = taken > 0 ? initialBackoff : min(backoff.multipliedBy(2), maxBackoff);
            }
        }
        schedule(next);
    }

    private boolean replayOne(CostRecord record) {
        store.record(record);
        return true;
    }

    /** Whether a spooled record stays spooled: its budget settlement waits, or the close's time is up. */
    private boolean notYet(CostRecord record) {
        return settlements.waitsFor(record.requestId()) || (closing && System.nanoTime() - closeDeadline >= 0);
    }

    /**
     * Whether no background replay runs, so that none will: the replay thread may not have ended yet when the close's
     * time is up, though it has nothing left to do.
     */
    private boolean stopReplays() {
        synchronized (replayState) {
            replaysStopped = !replayRunning;
            return replaysStopped;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The ledger closes by {@code deadline} ({@link System#nanoTime}): no replay offers records after it. */
    void stopAt(long deadline) {
        closeDeadline = deadline;
        closing = true;
    }

    /**
     * Stops the background replays and replays the spool once more, until the deadline given to {@link #stopAt}, then
     * closes the spool. A replay still running then is not waited for: the spool stays open for it, and what it has
     * not stored when the store closes is replayed at the next start. What the store refuses, or the records of
     * settlements that still wait, stay spooled for the next start.
     */
    void close() {
        replayer.shutdown(); // no interrupt: H2's file channel closes itself when a thread is interrupted in a write
        try {
            if (!replayer.awaitTermination(Math.max(0, closeDeadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    && !stopReplays()) {
                LOG.warn("the cost spool's replay still runs as the ledger closes; what it has not stored stays "
                        + "spooled for the next start");
                return;
            }
            if (spool.spoolDepth() > 0) {
                spool.replay(this::notYet, this::replayOne);
            }
            if (spool.spoolDepth() > 0) {
                LOG.warn("{} cost records stay in the spool for the next start", spool.spoolDepth());
            }
            spool.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the cost spool: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
