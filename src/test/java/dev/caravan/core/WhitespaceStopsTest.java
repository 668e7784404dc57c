package dev.caravan.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class WhitespaceStopsTest {

    private static WhitespaceStops stops(String... stop) {
        return WhitespaceStops.of(new ChatRequest("claude", List.of(ChatMessage.of("user", "hi")), null, null, null,
                List.of(stop), false, false, null, null, null, null));
    }

    private static List<StreamEvent> text(String... pieces) {
        List<StreamEvent> events = new ArrayList<>();
        for (String piece : pieces) {
            events.add(new StreamEvent.TextDelta(piece));
        }
        return events;
    }

    @Test
    void onlyWhitespaceStopsAreTheGatewaysToApply() {
        assertNull(stops("END", "###"));
        assertNull(stops(""));
        assertNull(WhitespaceStops.of(new ChatRequest("claude", List.of(ChatMessage.of("user", "hi")), null, null,
                null, null, false, false, null, null, null, null)));
    }

    @Test
    void aWholeAnswerIsCutAtTheFirstOfItsStops() {
        ChatResponse answer = new ChatResponse("msg", "claude", "one two\tthree\nfour",
                List.of(new ToolCall("t", "f", "{}")), "tool_calls", Usage.of(5, 9));

        ChatResponse cut = stops("\n", "\t").cut(answer);

        assertEquals("one two", cut.content());
        assertEquals("stop", cut.finishReason());
        assertEquals(List.of(), cut.toolCalls());
        assertEquals(Usage.of(5, 9), cut.usage());
    }

    @Test
    void anAnswerWithoutItsStopsIsLeftAlone() {
        ChatResponse answer = new ChatResponse("msg", "claude", "one line", List.of(), "stop", Usage.NONE);

        assertSame(answer, stops("\n").cut(answer));
    }

    @Test
    void aStreamStopsAtTheSequence_relayingOnlyUsageAfterIt() {
        WhitespaceStops.Events events = stops("\n").events();

        assertEquals(List.of(new StreamEvent.TextDelta("yes"), new StreamEvent.TextDelta(" indeed"),
                new StreamEvent.Finished("stop"), new StreamEvent.UsageReport(Usage.of(0, 5)), new StreamEvent.Cut()),
                events.apply(text("yes", " indeed\nbecause")));
        assertEquals(List.of(new StreamEvent.UsageReport(Usage.of(5, 20))), events.apply(List.of(
                new StreamEvent.TextDelta(" more"), new StreamEvent.Finished("end_turn"),
                new StreamEvent.UsageReport(Usage.of(5, 20)))));
    }

    @Test
    void aLongerSequenceSplitAcrossDeltasIsFound_andHeldBackTextComesOutWhenItIsNotOne() {
        WhitespaceStops.Events events = stops("\n\n").events();

        assertEquals(List.of(new StreamEvent.TextDelta("line")), events.apply(text("line\n")));
        assertEquals(List.of(new StreamEvent.TextDelta("\nnext")), events.apply(text("next")));
        // "line\nnext" + "\n" + "\n...": the sequence spans two deltas
        assertEquals(List.of(new StreamEvent.Finished("stop"), new StreamEvent.UsageReport(Usage.of(0, 6)),
                new StreamEvent.Cut()), events.apply(text("\n", "\nnext\n\nrest")));
    }

    /** About four UTF-8 bytes a token: a Chinese character (3 bytes) counts for more than a Latin letter. */
    @Test
    void aCutEstimatesTheOutputFromTheBytesOfTheTextThatCame() {
        List<StreamEvent> cut = stops("\n").events().apply(text("是的", "\n因为"));

        // 6 + 1 + 6 bytes: 13, four tokens
        assertEquals(new StreamEvent.UsageReport(Usage.of(0, 4)), cut.get(cut.size() - 2));
        assertEquals(new StreamEvent.Cut(), cut.get(cut.size() - 1));
    }

    @Test
    void heldBackTextIsFlushedBeforeTheFinish() {
        WhitespaceStops.Events events = stops("\n\n").events();

        assertEquals(List.of(new StreamEvent.TextDelta("end"), new StreamEvent.TextDelta("\n"),
                new StreamEvent.Finished("stop")), events.apply(List.of(new StreamEvent.TextDelta("end\n"),
                new StreamEvent.Finished("stop"))));
    }

    @Test
    void aCutWholeAnswerKeepsItsThinkingBlocks() {
        List<ThinkingBlock> thinking = List.of(ThinkingBlock.thinking("Two lines.", "EqQB"));
        ChatResponse answer = new ChatResponse("msg", "claude", "one\ntwo", List.of(), "stop", Usage.of(5, 9), null,
                null, thinking);

        assertEquals(thinking, stops("\n").cut(answer).thinking());
    }

    @Test
    void aCutStreamsOutputEstimateCountsTheThinkingThatCameBeforeTheText() {
        WhitespaceStops.Events events = stops("\n").events();
        events.apply(List.of(new StreamEvent.ThinkingDelta(ThinkingBlock.thinking("x".repeat(400), null))));

        List<StreamEvent> cut = events.apply(text("yes\nno"));

        // 400 bytes of thinking and 7 of text, at four bytes a token
        assertEquals(new StreamEvent.UsageReport(Usage.of(0, 102)), cut.get(2));
    }
}
