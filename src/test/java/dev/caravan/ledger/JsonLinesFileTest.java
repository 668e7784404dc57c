package dev.caravan.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonLinesFileTest {

    private static final byte[] WHOLE = "{\"requestId\":\"req-whole\",\"userId\":\"Zoë\"}\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEXT = "{\"requestId\":\"req-next\",\"userId\":\"Zoë\"}\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    /** A crash may stop an append at any byte: whatever it left of its line is cut off, and only that. */
    @Test
    void aLineTornAtAnyByteIsCutOffBeforeTheNextAppend() throws Exception {
        byte[] torn = "{\"requestId\":\"req-torn\",\"userId\":\"Zoë\"}\n".getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut < torn.length; cut++) {
            Path file = dir.resolve("cut-" + cut + ".jsonl");
            Files.write(file, concat(WHOLE, Arrays.copyOf(torn, cut)));

            appendNext(file);

            assertArrayEquals(concat(WHOLE, NEXT), Files.readAllBytes(file), "cut at byte " + cut);
        }
    }

    /** A torn line longer than what is read of the file's end at a time, in a file that has no whole line. */
    @Test
    void aLongTornLineIsCutOffWhole() throws Exception {
        Path file = dir.resolve("long.jsonl");
        byte[] torn = new byte[10_000];
        Arrays.fill(torn, (byte) 'x');
        Files.write(file, torn);

        appendNext(file);

        assertArrayEquals(NEXT, Files.readAllBytes(file));
    }

    /** Bytes that are not UTF-8 make a line that is no record, not a read that fails. */
    @Test
    void bytesThatAreNotUtf8AreReadAsALineOfTheirOwn() throws Exception {
        Path file = dir.resolve("torn-character.jsonl");
        Files.write(file, concat(Arrays.copyOf(WHOLE, indexOf(WHOLE, (byte) 0xc3) + 1), "\n".getBytes(StandardCharsets.UTF_8), NEXT));

        try (BufferedReader reader = JsonLinesFile.reader(file)) {
            List<String> lines = reader.lines().toList();
            assertEquals(2, lines.size());
            assertEquals(new String(NEXT, StandardCharsets.UTF_8).strip(), lines.get(1));
        }
    }

    /** Where a test tears a line: in its first byte, inside a character of two bytes, halfway, before its end. */
    static List<Integer> tornAt(byte[] line) {
        return List.of(1, indexOf(line, (byte) 0xc3) + 1, line.length / 2, line.length - 2, line.length - 1);
    }

    static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new IllegalArgumentException("no such byte");
    }

    private static void appendNext(Path file) throws Exception {
        try (FileChannel channel = JsonLinesFile.openForAppend(FileChannel::open, file)) {
            JsonLinesFile.append(channel, ByteBuffer.wrap(NEXT), false);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(part -> part.length).sum());
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }
}
