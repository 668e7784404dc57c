package dev.caravan.ledger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Records the store could not take, waiting on local disk: {@code cost-spool.jsonl}, one JSON line per record,
 * forced to disk before {@link #append} returns. A replay moves the file aside ({@code cost-spool.replaying.jsonl}),
 * writes each record to the store, and puts back what is left; a crash during a replay leaves the aside file, which
 * the next replay takes first. Records may then be written twice, which the store's idempotency absorbs.
 */
public final class CostSpool {

    private final Path spool;
    private final Path replaying;
    private final Object lock = new Object();
    private final Object replayLock = new Object();
    private final AtomicLong depth = new AtomicLong();
    private FileChannel channel;

    public CostSpool(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            this.spool = dataDir.resolve("cost-spool.jsonl");
            this.replaying = dataDir.resolve("cost-spool.replaying.jsonl");
            depth.set(countLines(spool) + countLines(replaying));
            this.channel = open();
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
                    if (Files.size(spool) == 0) {
                        return 0;
                    }
                    channel.close();
                    Files.move(spool, replaying, StandardCopyOption.ATOMIC_MOVE);
                    channel = open();
                }
            }
            List<String> lines = Files.readAllLines(replaying, StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.isBlank()).toList();
            List<String> left = new ArrayList<>();
            int taken = 0;
            int next = 0;
            String refused = null;
            while (next < lines.size() && refused == null) {
                String line = lines.get(next++);
                CostRecord record = readable(line);
                if (record != null && notYet.test(record)) {
                    left.add(line);
                } else if (record == null || offer(store, record)) {
                    taken++;
                    depth.decrementAndGet();
                } else {
                    refused = line;
                }
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

    /** The line's record, or null for a torn last line from a crash during append (it was never acknowledged). */
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
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(false);
            depth.addAndGet(lines.size());
        }
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(spool, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    public void close() throws IOException {
        synchronized (lock) {
            channel.close();
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
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(line -> !line.isBlank()).count();
        }
    }
}
