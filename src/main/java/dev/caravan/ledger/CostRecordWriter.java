package dev.caravan.ledger;

import io.vertx.core.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes cost records to the store, or to the spool for {@link SpoolReplay} to replay: while the store is known to be
 * down, and for the record of a request whose budget settlement waits for a retry, until that settlement ends (a
 * budget catching up with the cost records meanwhile would count the call, and the settlement again). With a store
 * that writes records together (the embedded one) records are queued and written behind, in batches, by the
 * {@code cost-write-behind} thread; other stores (DynamoDB) are written by the caller. At most
 * {@link Ledger#STORE_WRITES_AT_ONCE} callers wait for the store at once: when the store is slow, the record of any
 * other goes to the spool, so that a store that is behind holds no more threads and no queue of records in memory.
 */
final class CostRecordWriter {

    /** The ledger's logger, as before this class had its own: operators' filters and alerts name it. */
    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);
    /** Most records written in one transaction. */
    private static final int MAX_BATCH = 64;
    /**
     * How long the writer lets records gather before a write: a transaction of one record cost ~3 times as much
     * CPU per record as one of 32 (H2 on the benchmark machine). H2 itself writes commits up to 500 ms late.
     */
    private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final CostStore store;
    private final CostSpool spool;
    private final SettleRetries settlements;
    private final SpoolReplay replay;
    /** Records waiting for the writer (see {@link #record}). */
    private final ConcurrentLinkedQueue<CostRecord> queued = new ConcurrentLinkedQueue<>();
    private final ReentrantLock writing = new ReentrantLock();
    /** Writes queued records (stores that write together only, else null). */
    private final ScheduledExecutorService writer;
    private final AtomicBoolean writeScheduled = new AtomicBoolean();
    private final Semaphore storeWrites = new Semaphore(Ledger.STORE_WRITES_AT_ONCE);
    /** Whether records are spooled because the store is behind (logged once per spell, until no write waits). */
    private final AtomicBoolean storeBehind = new AtomicBoolean();

    CostRecordWriter(CostStore store, CostSpool spool, SettleRetries settlements, SpoolReplay replay) {
        this.store = store;
        this.spool = spool;
        this.settlements = settlements;
        this.replay = replay;
        this.writer = store.writesTogether() ? Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "cost-write-behind");
            thread.setDaemon(true);
            return thread;
        }) : null;
    }

    /**
     * Stores the record, or spools it. With a store that writes records together the record is queued and the call
     * returns at once: the writer lets records gather for a few milliseconds and stores every record queued by then in
     * one transaction (group commit), so this never blocks and no thread is woken per record.
     */
    void record(CostRecord record) {
        if (!writesBehind()) {
            // An event loop never waits for the store (the cost route runs there only when the pool behind the wire
            // tap is full): its record goes to the spool, to be replayed.
            storeOrSpool(List.of(record), !Context.isOnEventLoopThread());
            return;
        }
        queued.add(record);
        if (!writeScheduled.get() && writeScheduled.compareAndSet(false, true)) {
            try {
                writer.schedule(this::writeBehind, GATHER_NANOS, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                writeScheduled.set(false);
                flush();
            }
        }
    }

    /** Whether {@link #record} only queues (the store writes records together, on the writer thread). */
    boolean writesBehind() {
        return writer != null;
    }

    private void writeBehind() {
        writeScheduled.set(false);
        flush();
    }

    /** Writes every record queued so far. */
    void flush() {
        writing.lock();
        try {
            writeQueued();
        } finally {
            writing.unlock();
        }
    }

    /** Stops the writer thread, which takes no new write after, and writes what is queued. */
    void close() {
        if (writer != null) {
            writer.shutdown();
        }
        flush();
    }

    /** Writes what is queued, in batches of at most {@link #MAX_BATCH}; the caller holds {@link #writing}. */
    private void writeQueued() {
        List<CostRecord> batch = new ArrayList<>();
        CostRecord next;
        while ((next = queued.poll()) != null) {
            batch.add(next);
            if (batch.size() == MAX_BATCH) {
                storeOrSpool(batch, true);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            storeOrSpool(batch, true);
        }
    }

    /** {@code mayWait}: whether this thread may wait for the store (an event loop may not: the records are spooled). */
    private void storeOrSpool(List<CostRecord> records, boolean mayWait) {
        List<CostRecord> batch = spoolWhileSettlementsWait(records);
        if (batch.isEmpty()) {
            return;
        }
        if (mayWait && replay.storeHealthy() && storeWrites.tryAcquire()) {
            try {
                store.recordAll(batch);
                return;
            } catch (RuntimeException e) {
                replay.storeFailed();
                LOG.warn("cost store failed ({}); spooling records until it is back", e.toString());
            } finally {
                storeWrites.release();
                if (storeWrites.availablePermits() == Ledger.STORE_WRITES_AT_ONCE) {
                    storeBehind.set(false); // no write waits for the store any more: it caught up
                }
            }
        } else if (mayWait && replay.storeHealthy() && storeBehind.compareAndSet(false, true)) {
            LOG.warn("cost store is slow: {} writes wait for it; spooling records until it catches up",
                    Ledger.STORE_WRITES_AT_ONCE);
        }
        boolean spooled = false;
        for (CostRecord record : batch) {
            try {
                spool.append(record);
                spooled = true;
            } catch (IOException | RuntimeException e) {
                LOG.error("cost record {} lost: neither the store nor the spool took it: {}", record.requestId(), record, e);
            }
        }
        if (spooled) {
            replay.replayLater();
        }
    }

    /**
     * Spools the records of requests whose budget settlement waits for a retry, until it ends ({@link SettleRetries});
     * returns the others, to be stored now.
     */
    private List<CostRecord> spoolWhileSettlementsWait(List<CostRecord> batch) {
        if (!settlements.anyWaiting()) {
            return batch;
        }
        List<CostRecord> now = new ArrayList<>(batch.size());
        for (CostRecord record : batch) {
            if (!settlements.waitsFor(record.requestId())) {
                now.add(record);
                continue;
            }
            try {
                spool.append(record);
            } catch (IOException | RuntimeException e) {
                // Better counted twice by a budget catching up meanwhile than lost: the records are what was spent.
                LOG.warn("cost record {} could not wait in the spool for its budget settlement ({}); storing it now",
                        record.requestId(), e.toString());
                now.add(record);
                continue;
            }
            if (!settlements.waitsFor(record.requestId())) {
                replay.settlementEnded(); // it ended while the record was spooled: the replay it asked for may have run
            }
        }
        return now;
    }
}
