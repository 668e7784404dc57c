package dev.caravan.streaming;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SseParserTest {

    @ParameterizedTest(name = "line ending {0}")
    @ValueSource(strings = {"LF", "CRLF", "CR"})
    void readsEventsWhateverTheLineEnding(String ending) throws IOException {
        String eol = switch (ending) {
            case "LF" -> "\n";
            case "CRLF" -> "\r\n";
            default -> "\r";
        };
        String wire = String.join(eol, ": keep-alive", "event: message_start", "data: {\"a\":1}", "",
                "data: first", "data: second", "", "data: [DONE]", "", "");

        assertEquals(List.of(new SseEvent("message_start", "{\"a\":1}"), new SseEvent(null, "first\nsecond"),
                new SseEvent(null, "[DONE]")), readAll(wire, false));
    }

    @Test
    void joinsMultiLineDataWithNewlinesAndKeepsEmptyDataLines() throws IOException {
        String wire = "data: one\ndata:two\ndata\ndata:  four\n\n";

        assertEquals(List.of(new SseEvent(null, "one\ntwo\n\n four")), readAll(wire, false));
    }

    @Test
    void skipsCommentsAndFieldsItDoesNotUse() throws IOException {
        String wire = ": OPENROUTER PROCESSING\n\nid: 7\nretry: 1000\n:comment inside\ndata: x\nfoo: bar\n\n";

        assertEquals(List.of(new SseEvent(null, "x")), readAll(wire, false));
    }

    @Test
    void givesEachEventItsOwnNameAndForgetsANameWithoutData() throws IOException {
        String wire = "event: ping\n\nevent: content_block_delta\ndata: {}\n\ndata: plain\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

        assertEquals(List.of(new SseEvent("content_block_delta", "{}"), new SseEvent(null, "plain"),
                new SseEvent("message_stop", "{\"type\":\"message_stop\"}")), readAll(wire, false));
    }

    @Test
    void anEventWithAnEmptyDataLineIsStillAnEvent() throws IOException {
        assertEquals(List.of(new SseEvent(null, "")), readAll("data:\n\n", false));
    }

    @ParameterizedTest(name = "line ending {0}, one byte per read")
    @ValueSource(strings = {"\n", "\r\n", "\r"})
    void anEventSplitAcrossManyTinyReadsArrivesWhole(String eol) throws IOException {
        String wire = "event: delta" + eol + "data: {\"text\":\"d\u00e9j\u00e0 vu \uD83D\uDC2A\"}" + eol
                + "data: second line" + eol + eol + "data: [DONE]" + eol + eol;

        assertEquals(List.of(new SseEvent("delta", "{\"text\":\"d\u00e9j\u00e0 vu \uD83D\uDC2A\"}\nsecond line"),
                new SseEvent(null, "[DONE]")), readAll(wire, true));
    }

    @Test
    void aCrlfSplitBetweenTwoReadsIsOneLineEnd() throws IOException {
        byte[][] reads = {"data: a\r".getBytes(StandardCharsets.UTF_8), "\n\r".getBytes(StandardCharsets.UTF_8),
                "\ndata: b\r\n\r\n".getBytes(StandardCharsets.UTF_8)};
        SseReader reader = new SseReader(new ChunkedInputStream(reads));

        assertEquals(new SseEvent(null, "a"), reader.next());
        assertEquals(new SseEvent(null, "b"), reader.next());
        assertNull(reader.next());
    }

    @Test
    void theEndOfTheStreamInTheMiddleOfAnEventGivesThePartialEventThenNull() throws IOException {
        SseReader reader = reader("data: complete\n\ndata: partial\ndata: cut", false);

        assertEquals(new SseEvent(null, "complete"), reader.next());
        assertEquals(new SseEvent(null, "partial\ncut"), reader.next());
        assertNull(reader.next());
        assertNull(reader.next());
    }

    @Test
    void theEndOfTheStreamAfterOnlyCommentsOrNamesIsNull() throws IOException {
        SseReader reader = reader(": hello\nevent: ping\n", true);

        assertNull(reader.next());
    }

    @Test
    void anEmptyStreamHasNoEvents() throws IOException {
        assertNull(reader("", false).next());
    }

    @Test
    void readsNoFurtherThanTheEventItReturns() throws IOException {
        ChunkedInputStream in = new ChunkedInputStream(new byte[][]{
                "data: first\n\n".getBytes(StandardCharsets.UTF_8), "data: second\n\n".getBytes(StandardCharsets.UTF_8)});
        SseReader reader = new SseReader(in);

        assertEquals(new SseEvent(null, "first"), reader.next());
        assertEquals(1, in.reads, "the second event was not waited for");
    }

    @Test
    void anEventLongerThanTheLimitIsRefusedWhileManyEventsTogetherLongerThanItAreNot() {
        List<SseEvent> parsed = new ArrayList<>();
        SseParser parser = new SseParser(parsed::add);
        byte[] event = ("data: " + "x".repeat(64 * 1024) + "\n\n").getBytes(StandardCharsets.UTF_8);
        int many = SseParser.MAX_EVENT_BYTES / event.length * 2;
        for (int i = 0; i < many; i++) {
            parser.feed(event);
        }
        assertEquals(many, parsed.size());

        byte[] endless = ("data: " + "y".repeat(1024 * 1024)).getBytes(StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertThrows(SseParser.EventTooLarge.class, () -> {
            for (int i = 0; i < 5; i++) {
                parser.feed(endless);
            }
        });
        assertEquals(many, parsed.size(), "nothing of the oversized event was delivered");
    }

    private static List<SseEvent> readAll(String wire, boolean oneBytePerRead) throws IOException {
        SseReader reader = reader(wire, oneBytePerRead);
        List<SseEvent> events = new ArrayList<>();
        for (SseEvent event = reader.next(); event != null; event = reader.next()) {
            events.add(event);
        }
        return events;
    }

    private static SseReader reader(String wire, boolean oneBytePerRead) {
        byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        return new SseReader(oneBytePerRead ? new OneByteInputStream(bytes) : new ByteArrayInputStream(bytes));
    }

    /** Returns one byte per read, as a slow socket may. */
    private static final class OneByteInputStream extends InputStream {
        private final byte[] bytes;
        private int position;

        OneByteInputStream(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= bytes.length) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            b[off] = bytes[position++];
            return 1;
        }
    }

    /** Returns the given chunks, one per read, as packets arrive. */
    private static final class ChunkedInputStream extends InputStream {
        private final byte[][] chunks;
        int reads;

        ChunkedInputStream(byte[][] chunks) {
            this.chunks = chunks;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (reads >= chunks.length) {
                return -1;
            }
            byte[] chunk = chunks[reads++];
            System.arraycopy(chunk, 0, b, off, chunk.length);
            return chunk.length;
        }
    }
}
