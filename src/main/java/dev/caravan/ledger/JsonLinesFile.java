package dev.caravan.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends to the ledger's files of JSON lines (the spool, the journal's day files) so that an append cut short, by a
 * failure or by a crash at any byte, can lose only its own lines: a failed append is cut back off the file, and a
 * file is opened for appending only after its torn last line, if any, is cut off. Every append ends in a line break,
 * so the bytes after a file's last line break are always what an append that never returned left.
 */
final class JsonLinesFile {

    /** The ledger's logger, as {@link SpoolReplay}'s: operators' filters and alerts name it. */
    private static final Logger LOG = LoggerFactory.getLogger(Ledger.class);
    private static final int TAIL_BLOCK = 4096;

    /** How a file is opened: {@link FileChannel#open(Path, OpenOption...)}, or a test's channel that fails. */
    interface Opener {
        FileChannel open(Path file, OpenOption... options) throws IOException;
    }

    private JsonLinesFile() {
    }

    /** Opens {@code file} (created when missing) for appending at its end, its torn last line cut off first. */
    static FileChannel openForAppend(Opener opener, Path file) throws IOException {
        // Written at its end by one writer only (under its lock), so no APPEND, which would forbid reading the end.
        FileChannel channel = opener.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            long size = channel.size();
            long whole = endOfLastLine(channel, size);
            if (whole < size) {
                channel.truncate(whole);
                LOG.warn("{}: cut off a torn last line ({} bytes) that an interrupted write left", file.getFileName(),
                        size - whole);
            }
            channel.position(whole);
            return channel;
        } catch (IOException | RuntimeException e) {
            closeAfter(e, channel);
            throw e;
        }
    }

    /**
     * Writes all of {@code lines} at the channel's position, then forces them to disk if asked. When that fails the file
     * is cut back to where it was; should that fail too, the channel must not be written again, but closed and the file
     * opened anew ({@link #openForAppend}).
     */
    static void append(FileChannel channel, ByteBuffer lines, boolean force) throws IOException {
        long start = channel.position();
        try {
            while (lines.hasRemaining()) {
                channel.write(lines);
            }
            if (force) {
                channel.force(false);
            }
        } catch (IOException | RuntimeException e) {
            try {
                channel.truncate(start);
            } catch (IOException | RuntimeException cut) {
                e.addSuppressed(cut);
            }
            throw e;
        }
    }

    /** Closes a channel that failed: the failure is what the caller reports. */
    static void closeAfter(Exception failure, FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * The file's lines, bytes that are not UTF-8 (a character torn by a crash, in a file an earlier version wrote)
     * replaced rather than failing the read: such a line is then no record, and skipped as one.
     */
    static BufferedReader reader(Path file) throws IOException {
        return new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8));
    }

    /** Where the file's last line break ends: 0 when it has none. */
    private static long endOfLastLine(FileChannel channel, long size) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(TAIL_BLOCK);
        long end = size;
        while (end > 0) {
            long start = Math.max(0, end - TAIL_BLOCK);
            block.clear().limit((int) (end - start));
            while (block.hasRemaining()) {
                if (channel.read(block, start + block.position()) < 0) {
                    break;
                }
            }
            for (int i = block.position() - 1; i >= 0; i--) {
                if (block.get(i) == '\n') {
                    return start + i + 1;
                }
            }
            end = start;
        }
        return 0;
    }
}
