package dev.caravan.ledger;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The embedded store's cost records: an append-only journal of JSON lines, one file per UTC day of the records'
 * time ({@code <dataDir>/cost-records/2025-03-01.jsonl}), each line tagged with the batch it was written in. A line
 * counts once its batch is committed in the ledger database together with the batch's counters
 * ({@link EmbeddedCostStore}); lines of a batch that failed are skipped by readers. An append that fails is cut back
 * off the file, and one that a crash cut short is cut off before the file is appended to again ({@link JsonLinesFile}),
 * so that no line joins a torn one.
 */
final class CostJournal implements AutoCloseable {

    private static final String SUFFIX = ".jsonl";

    private final Path dir;
    private final JsonLinesFile.Opener opener;
    /** Open day files (today's, and yesterday's while records of it still come); guarded by this. */
    private final Map<LocalDate, FileChannel> open = new HashMap<>();

    CostJournal(Path dataDir) {
        this(dataDir, FileChannel::open);
    }

    CostJournal(Path dataDir, JsonLinesFile.Opener opener) {
        this.dir = dataDir.resolve("cost-records");
        this.opener = opener;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the cost journal in " + dir, e);
        }
    }

    /**
     * Appends the records, tagged with {@code batch}: one write per day file (nearly always one).
     *
     * @throws IllegalStateException when the file cannot be written (lines of the batch may be there: it never commits)
     */
    void append(String batch, List<CostRecord> records) {
        try {
            Map<LocalDate, ByteArrayOutputStream> lines = new TreeMap<>();
            for (CostRecord record : records) {
                ByteArrayOutputStream out = lines.computeIfAbsent(dayOf(record),
                        day -> new ByteArrayOutputStream(records.size() * 480));
                CostRecordJson.write(out, record, batch);
            }
            synchronized (this) {
                for (Map.Entry<LocalDate, ByteArrayOutputStream> day : lines.entrySet()) {
                    write(day.getKey(), ByteBuffer.wrap(day.getValue().toByteArray()));
                }
            }
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private static IllegalStateException failed(IOException e) {
        return new IllegalStateException("cost journal: " + e.getMessage(), e);
    }

    private void write(LocalDate day, ByteBuffer bytes) throws IOException {
        FileChannel channel = open.get(day);
        if (channel == null) {
            closeDaysBefore(day.minusDays(1));
            channel = openDay(day);
            open.put(day, channel);
        }
        try {
            JsonLinesFile.append(channel, bytes, false);
        } catch (IOException | RuntimeException e) {
            // Cut back off the file; or, should that have failed, cut off when the next append opens it anew.
            open.remove(day);
            JsonLinesFile.closeAfter(e, channel);
            throw e;
        }
    }

    /** Closes the files of days before {@code first}: records go to today's file, now and then to yesterday's. */
    private void closeDaysBefore(LocalDate first) {
        open.entrySet().removeIf(entry -> {
            if (!entry.getKey().isBefore(first)) {
                return false;
            }
            try {
                entry.getValue().close();
            } catch (IOException e) {
                // written already; nothing more goes to it
            }
            return true;
        });
    }

    private FileChannel openDay(LocalDate day) throws IOException {
        return JsonLinesFile.openForAppend(opener, dir.resolve(day + SUFFIX));
    }

    /** Every whole line of the days {@code from..to} that have a file, in day and then write order. */
    void read(LocalDate from, LocalDate to, Consumer<JsonNode> each) {
        for (LocalDate day : days()) {
            if (!day.isBefore(from) && !day.isAfter(to)) {
                read(day, each);
            }
        }
    }

    /** Every whole line of one day's file (with a request id and a time), in write order; none when it has no file. */
    void read(LocalDate day, Consumer<JsonNode> each) {
        Path file = dir.resolve(day + SUFFIX);
        if (!Files.exists(file)) {
            return;
        }
        try (BufferedReader reader = JsonLinesFile.reader(file)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = CostRecordJson.parse(line);
                } catch (IOException torn) {
                    continue; // a line torn by a crash, not yet cut off: its batch never committed
                }
                if (node.path("requestId").isTextual() && node.path("timestamp").isTextual()) {
                    each.accept(node);
                }
            }
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** The days that have a file, oldest first. */
    List<LocalDate> days() {
        List<LocalDate> days = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(SUFFIX)) {
                    try {
                        days.add(LocalDate.parse(name.substring(0, name.length() - SUFFIX.length())));
                    } catch (DateTimeParseException notOurs) {
                        // another file in the directory
                    }
                }
            }
        } catch (IOException e) {
            throw failed(e);
        }
        days.sort(null);
        return days;
    }

    static LocalDate dayOf(CostRecord record) {
        return LocalDate.ofInstant(record.timestamp(), ZoneOffset.UTC);
    }

    @Override
    public synchronized void close() {
        for (FileChannel channel : open.values()) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing: nothing left to write
            }
        }
        open.clear();
    }
}
