package dev.caravan.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Records the store could not take, waiting on local disk: {@code cost-spool.jsonl}, one JSON line per record,
 * forced to disk before {@link #append} returns. A replay moves the file aside ({@code cost-spool.replaying.jsonl}),
 * writes each record to the store, and puts back what is left; a crash during a replay leaves the aside file, which
 * the next replay takes first. Records may then be written twice, which the store's idempotency absorbs. An append
 * that fails is cut back off the file, and one that a crash cut short is cut off at the next start
 * ({@link JsonLinesFile}): a torn append loses its own record only, never one appended after it.
 */
public final class CostSpool {

    /** The ledger's logger, as {@link SpoolReplay}'s: operators' filters and alerts name it. */
    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);

    private final Path spool;
    private final Path replaying;
    private final JsonLinesFile.Opener opener;
    private final Object lock = new Object();
    private final Object replayLock = new Object();
    private final AtomicLong depth = new AtomicLong();
    /** The spool file open for appending; null from a failed append until the next opens it anew (guarded by lock). */
    private FileChannel channel;
    private boolean closed;

    public CostSpool(Path dataDir) {
        this(dataDir, FileChannel::open);
    }

    CostSpool(Path dataDir, JsonLinesFile.Opener opener) {
        this.opener = opener;
        try {
            Files.createDirectories(dataDir);
            this.spool = dataDir.resolve("cost-spool.jsonl");
            this.replaying = dataDir.resolve("cost-spool.replaying.jsonl");
            this.channel = open(); // cuts off a torn last line before the records are counted
            depth.set(countLines(spool) + countLines(replaying));
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the cost spool in " + dataDir, e);
        }
    }

    /** Keeps the record on disk until a replay gets it into the store. */
    public void append(CostRecord record) throws IOException {
        append(List.of(CostRecordJson.line(record)));
    }

    /** How many records wait for the store. */
    public long spoolDepth() {
        return depth.get();
    }

    /**
     * Offers the waiting records to {@code store} (true: taken) until the first refusal or failure; the rest stay
     * spooled, the refused one moved to the end.
     *
     * @return how many records the store took
     */
    public int replay(Predicate<CostRecord> store) throws IOException {
        return replay(record -> false, store);
    }

    /**
     * As {@link #replay(Predicate)}, except that the records {@code notYet} holds back are not offered: they stay
     * spooled, in their place, and the replay goes on with the next.
     */
    public int replay(Predicate<CostRecord> notYet, Predicate<CostRecord> store) throws IOException {
        synchronized (replayLock) {
            synchronized (lock) {
                if (!Files.exists(replaying)) {
                    FileChannel current = channel(); // opened anew if an append failed: no torn line moves aside
                    if (current.size() == 0) {
                        return 0;
                    }
                    current.close();
                    channel = null;
                    Files.move(spool, replaying, StandardCopyOption.ATOMIC_MOVE);
                    channel = open();
                }
            }
            List<String> lines = lines(replaying);
            List<String> left = new ArrayList<>();
            int taken = 0;
            int skipped = 0;
            int next = 0;
            String refused = null;
            while (next < lines.size() && refused == null) {
                String line = lines.get(next++);
                CostRecord record = readable(line);
                if (record == null) {
                    skipped++;
                    depth.decrementAndGet();
                } else if (notYet.test(record)) {
                    left.add(line);
                } else if (offer(store, record)) {
                    taken++;
                    depth.decrementAndGet();
                } else {
                    refused = line;
                }
            }
            if (skipped > 0) {
                LOG.warn("cost spool replay: skipped {} lines that are no cost record (damaged, or torn by a crash "
                        + "under an earlier version)", skipped);
            }
            left.addAll(lines.subList(next, lines.size()));
            if (refused != null) {
                left.add(refused); // last, so that one record the store never takes cannot hold up the others
            }
            synchronized (lock) {
                try {
                    if (!left.isEmpty()) {
                        depth.addAndGet(-left.size());
                        append(left);
                    }
                    Files.delete(replaying);
                } catch (IOException e) {
                    // The aside file stays, every record of it to be offered again: count what the files now hold.
                    recount(e);
                    throw e;
                }
            }
            return taken;
        }
    }

    /** The line's record, or null for a line that is none. */
    private static CostRecord readable(String line) {
        try {
            return CostRecordJson.record(line);
        } catch (IOException | RuntimeException unreadable) {
            return null;
        }
    }

    private static boolean offer(Predicate<CostRecord> store, CostRecord record) {
        try {
            return store.test(record);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void append(List<String> lines) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append('\n');
        }
        ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        synchronized (lock) {
            FileChannel written = channel();
            try {
                JsonLinesFile.append(written, bytes, true);
            } catch (IOException | RuntimeException e) {
                // Cut back off the file; or, should that have failed, cut off when the next append opens it anew.
                channel = null;
                JsonLinesFile.closeAfter(e, written);
                throw e;
            }
            depth.addAndGet(lines.size());
        }
    }

    /** The spool file to append to (under lock). */
    private FileChannel channel() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (channel == null) {
            channel = open();
        }
        return channel;
    }

    private FileChannel open() throws IOException {
        return JsonLinesFile.openForAppend(opener, spool);
    }

    public void close() throws IOException {
        synchronized (lock) {
            closed = true;
            if (channel != null) {
                channel.close();
            }
        }
    }

    /** Sets the depth to the records the files hold, after a replay that could not put its records back. */
    private void recount(IOException failure) {
        try {
            depth.set(countLines(spool) + countLines(replaying));
        } catch (IOException | UncheckedIOException e) {
            failure.addSuppressed(e);
        }
    }

    private static long countLines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (BufferedReader reader = JsonLinesFile.reader(file)) {
            return reader.lines().filter(line -> !line.isBlank()).count();
        }
    }

    private static List<String> lines(Path file) throws IOException {
        try (BufferedReader reader = JsonLinesFile.reader(file)) {
            return reader.lines().filter(line -> !line.isBlank()).toList();
        }
    }
}
