package dev.caravan.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The stop sequences Anthropic's models refuse, made to work anyway: OpenAI takes whitespace-only ones ({@code "\n"},
 * often used to get one line), Anthropic and Bedrock's Claude answer 400 to them, so their encoders leave them out
 * ({@link #sentUpstream}) and the gateway cuts the answer where the first of them appears, as OpenAI would have: the
 * text before it, finish_reason "stop". The model may have written on past it; what it wrote is billed, not shown. A
 * stream ends at the cut ({@link StreamEvent.Cut}): the provider's stream is stopped rather than read to its end for
 * the usage it reports last, so the output it was billed for is estimated from the text that came.
 */
public final class WhitespaceStops {

    private final List<String> stops;

    private WhitespaceStops(List<String> stops) {
        this.stops = stops;
    }

    /** The request's whitespace-only stop sequences, or null when it has none. */
    public static WhitespaceStops of(ChatRequest request) {
        List<String> stops = request.stop().stream()
                .filter(s -> !s.isEmpty() && !Whitespace.hasNonWhitespace(s)).toList();
        return stops.isEmpty() ? null : new WhitespaceStops(stops);
    }

    /** The request's stop sequences that are sent upstream: all but the whitespace-only ones. */
    public static List<String> sentUpstream(ChatRequest request) {
        return request.stop().stream().filter(Whitespace::hasNonWhitespace).toList();
    }

    /** A whole answer cut at the first stop sequence in its text (and then without tool calls, which came after). */
    public ChatResponse cut(ChatResponse answer) {
        int at = answer.content() == null ? -1 : firstStop(answer.content());
        if (at < 0) {
            return answer;
        }
        return new ChatResponse(answer.id(), answer.model(), answer.content().substring(0, at), List.of(), "stop",
                answer.usage(), answer.refusal(), null, answer.thinking());
    }

    private int firstStop(String text) {
        int first = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /** A fresh cut of one stream's events. */
    public Events events() {
        return new Events();
    }

    /**
     * One stream's events, cut at the first stop sequence. Text that may be the start of one (the end of a delta that
     * begins a longer sequence, such as {@code "\n"} of {@code "\n\n"}) is held back until the next event tells. The
     * cut is a finish ("stop"), the output tokens the text that came is estimated at (what was relayed, held back and
     * written past the sequence), and {@link StreamEvent.Cut}; after it, only usage and failures pass.
     */
    public final class Events {

        /**
         * UTF-8 bytes per token: about four characters of English make a token in OpenAI's and Anthropic's
         * tokenizers, and a character of a script that takes more bytes (about one token in Chinese) counts for more.
         */
        private static final int BYTES_PER_TOKEN = 4;

        private String pending = "";
        private boolean stopped;
        private long textBytes;

        public List<StreamEvent> apply(List<StreamEvent> events) {
            List<StreamEvent> out = new ArrayList<>(events.size() + 1);
            for (StreamEvent event : events) {
                if (stopped) {
                    if (event instanceof StreamEvent.UsageReport || event instanceof StreamEvent.Failed) {
                        out.add(event);
                    }
                } else if (event instanceof StreamEvent.TextDelta delta) {
                    textBytes += utf8Length(delta.text());
                    text(pending + delta.text(), out);
                } else {
                    if (event instanceof StreamEvent.ThinkingDelta thinking && thinking.piece().thinking() != null) {
                        // thinking is output too: a cut stream's estimate counts it
                        textBytes += utf8Length(thinking.piece().thinking());
                    }
                    if ((event instanceof StreamEvent.ToolCallDelta || event instanceof StreamEvent.Finished
                            || event instanceof StreamEvent.Failed) && !pending.isEmpty()) {
                        out.add(new StreamEvent.TextDelta(pending));
                        pending = "";
                    }
                    out.add(event);
                }
            }
            return out;
        }

        private void text(String text, List<StreamEvent> out) {
            int at = firstStop(text);
            if (at >= 0) {
                if (at > 0) {
                    out.add(new StreamEvent.TextDelta(text.substring(0, at)));
                }
                out.add(new StreamEvent.Finished("stop"));
                out.add(new StreamEvent.UsageReport(Usage.of(0, (textBytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN)));
                out.add(new StreamEvent.Cut());
                pending = "";
                stopped = true;
                return;
            }
            int held = heldBack(text);
            if (held < text.length()) {
                out.add(new StreamEvent.TextDelta(text.substring(0, text.length() - held)));
            }
            pending = text.substring(text.length() - held);
        }

        private static long utf8Length(String text) {
            long bytes = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
            }
            return bytes;
        }

        /** How many characters at the end of {@code text} begin a stop sequence without completing it. */
        private int heldBack(String text) {
            int longest = 0;
            for (String stop : stops) {
                for (int length = Math.min(stop.length() - 1, text.length()); length > longest; length--) {
                    if (text.endsWith(stop.substring(0, length))) {
                        longest = length;
                        break;
                    }
                }
            }
            return longest;
        }
    }
}
