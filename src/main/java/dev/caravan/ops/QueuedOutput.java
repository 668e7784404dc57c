package dev.caravan.ops;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;

/**
 * Standard output written by a thread of its own, so that a thread serving requests never waits for it: a stalled log
 * collector (a full pipe, its reader gone) would otherwise hold every event loop that logs. Publishing copies a whole
 * record into a bounded buffer; the writer thread takes the buffer and writes it in one call once it holds
 * {@code batchBytes} or {@code flushMillis} after its first record, so records never interleave with another writer's.
 * When the buffer is full ({@link #CAPACITY}: the output has stopped taking them) records are dropped and counted, and
 * the next write that goes through ends with one record saying how many.
 *
 * <p>What is held is written by {@link #flushAll} (once the Camel context has stopped) and when the JVM shuts down;
 * from then on a publish returns once its record is written, so the lines logged while the gateway stops reach the
 * output before the process ends. Those waits are bounded ({@link #FLUSH_WAIT_MILLIS}): a stalled output delays the
 * stop, never hangs it.
 */
final class QueuedOutput {

    /** Bytes that may wait for the output before records are dropped, unless a handler's {@code capacity} says. */
    static final int CAPACITY = 1 << 20;
    /** The least capacity a handler's setting may give: room for a long stack trace. */
    static final int LEAST_CAPACITY = 64 << 10;
    static final long FLUSH_WAIT_MILLIS = 3_000;

    private static final Set<QueuedOutput> OPEN = ConcurrentHashMap.newKeySet();
    /** Records dropped since start by every output, for the metric an alert on a stalled log collector reads. */
    private static final AtomicLong DROPPED_TOTAL = new AtomicLong();
    private static volatile boolean exiting;

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(QueuedOutput::exit, "log-flush-at-exit"));
        } catch (IllegalStateException e) {
            exiting = true; // first used while the JVM already shuts down
        }
    }

    private final Handler owner;
    private final OutputStream out;
    private final int batchBytes;
    private final long flushNanos;
    private final int capacity;
    private final LongFunction<byte[]> droppedReport;
    private final Object writing = new Object();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition written = lock.newCondition();
    // Under the lock:
    private byte[] pending;
    private int size;
    private long taken;
    private long done;
    private long dropped;
    private boolean urgent;
    private boolean closed;
    /** {@link #done} when a wait for the writer last timed out: records logged while exiting wait only once it moved. */
    private long doneWhenStalled = -1;

    /**
     * @param owner         the handler whose error manager hears of failed writes
     * @param droppedReport the record, formatted, that reports a count of dropped records
     */
    QueuedOutput(Handler owner, String threadName, OutputStream out, int batchBytes, long flushMillis, int capacity,
            LongFunction<byte[]> droppedReport) {
        this.owner = owner;
        this.out = out;
        this.batchBytes = Math.max(1, batchBytes);
        this.flushNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, flushMillis));
        this.capacity = capacity;
        this.droppedReport = droppedReport;
        this.pending = new byte[Math.min(capacity, Math.max(this.batchBytes, 8192) + 512)];
        Thread writer = new Thread(this::run, threadName);
        writer.setDaemon(true);
        writer.start();
        OPEN.add(this);
    }

    /** Records dropped since start because standard output did not take them (caravan_log_records_dropped_total). */
    static long droppedTotal() {
        return DROPPED_TOTAL.get();
    }

    /** Writes what every open output holds, waiting for them at most {@link #FLUSH_WAIT_MILLIS} in all. */
    static void flushAll() {
        long deadline = deadline();
        OPEN.forEach(output -> output.flush(deadline));
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLUSH_WAIT_MILLIS);
    }

    private static void exit() {
        exiting = true;
        flushAll();
    }

    /**
     * Takes a whole record for the writer thread, or counts it as dropped when the buffer is full; waits for the output
     * only once the JVM shuts down. After {@link #close} the record is written at once, as nothing would write it later.
     */
    void append(byte[] record) {
        lock.lock();
        try {
            if (!closed) {
                if (size > 0 && size + record.length > capacity) {
                    dropped++;
                    DROPPED_TOTAL.incrementAndGet();
                    return;
                }
                if (size + record.length > pending.length) {
                    pending = Arrays.copyOf(pending, Math.max(size + record.length, 2 * pending.length));
                }
                System.arraycopy(record, 0, pending, size, record.length);
                int before = size;
                size += record.length;
                long mine = ++taken;
                urgent |= exiting;
                if (before == 0 || before < batchBytes && size >= batchBytes || exiting) {
                    work.signal(); // starts the batch's interval, or ends it
                }
                if (exiting && done != doneWhenStalled) { // a stalled output is not waited for at every record
                    awaitDone(mine, deadline());
                }
                return;
            }
        } finally {
            lock.unlock();
        }
        write(record, record.length);
    }

    /** Writes what is held and waits for it, at most {@link #FLUSH_WAIT_MILLIS}; false if it is not written by then. */
    boolean flush() {
        return flush(deadline());
    }

    private boolean flush(long deadline) {
        lock.lock();
        try {
            if (done >= taken) {
                return true;
            }
            urgent = true;
            work.signal();
            return awaitDone(taken, deadline);
        } finally {
            lock.unlock();
        }
    }

    /** Writes what is held and ends the writer thread; a record appended later is written by the caller itself. */
    void close() {
        OPEN.remove(this);
        lock.lock();
        try {
            closed = true;
            work.signal();
            awaitDone(taken, deadline());
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: until the writer has written record {@code target}, or until the deadline (a stalled output). */
    private boolean awaitDone(long target, long deadline) {
        try {
            while (done < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    doneWhenStalled = done;
                    return false;
                }
                written.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void run() {
        byte[] batch = new byte[pending.length];
        while (true) {
            int length;
            long upTo;
            long drops;
            lock.lock();
            try {
                awaitBatch();
                if (size == 0) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                byte[] full = pending;
                pending = batch;
                batch = full;
                length = size;
                upTo = taken;
                drops = dropped;
                size = 0;
                dropped = 0;
                urgent = false;
            } catch (InterruptedException e) {
                continue; // nothing interrupts it on purpose: it ends when closed
            } finally {
                lock.unlock();
            }
            byte[] report = drops > 0 ? droppedReport.apply(drops) : null;
            if (report != null) { // after the records logged before the drops, in the same write
                batch = length + report.length > batch.length ? Arrays.copyOf(batch, length + report.length) : batch;
                System.arraycopy(report, 0, batch, length, report.length);
                length += report.length;
            }
            write(batch, length);
            lock.lock();
            try {
                done = upTo;
                written.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Under the lock: until a record is held, then until the batch is full, its interval is over or it is asked for. */
    private void awaitBatch() throws InterruptedException {
        while (size == 0 && !closed) {
            work.await();
        }
        long left = flushNanos;
        while (size < batchBytes && !urgent && !closed && left > 0) {
            left = work.awaitNanos(left);
        }
    }

    private void write(byte[] bytes, int length) {
        synchronized (writing) { // the writer thread's last batch and the records written after the close
            try {
                out.write(bytes, 0, length);
                out.flush();
            } catch (IOException | RuntimeException e) {
                // a record that could not be written is not tried again forever
                owner.getErrorManager().error("Cannot write log records", e, ErrorManager.WRITE_FAILURE);
            }
        }
    }
}
