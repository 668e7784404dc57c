package dev.caravan.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * What a provider's stream says, event by event, in terms every API renderer understands. A text or refusal delta's
 * {@code passThrough} is what an OpenAI-shaped upstream's chunk carried beside it (its choice's logprobs, its delta's
 * audio and annotations), as a partial choice for the OpenAI renderer to hand on unchanged; null when there is none,
 * as for every other provider.
 */
public sealed interface StreamEvent {

    /**
     * Whether {@code events} begin the answer the caller sees (text, a refusal, what an OpenAI upstream passes on,
     * thinking, a tool call or a finish), not only its start or usage: until then a failure is no answer, and fallback
     * is open.
     */
    static boolean beginAnswer(List<StreamEvent> events) {
        for (StreamEvent event : events) {
            if (event instanceof TextDelta || event instanceof RefusalDelta || event instanceof PassThroughDelta
                    || event instanceof ThinkingDelta || event instanceof ToolCallDelta || event instanceof Finished) {
                return true;
            }
        }
        return false;
    }

    /** The upstream accepted the request and the answer begins; {@code id} may be null. */
    record Started(String id) implements StreamEvent {
    }

    /** More answer text. */
    record TextDelta(String text, ObjectNode passThrough) implements StreamEvent {

        public TextDelta(String text) {
            this(text, null);
        }
    }

    /** More of the model's refusal text (OpenAI's {@code delta.refusal}). */
    record RefusalDelta(String text, ObjectNode passThrough) implements StreamEvent {

        public RefusalDelta(String text) {
            this(text, null);
        }
    }

    /**
     * What an OpenAI-shaped upstream's chunk carried without text or a refusal beside it ({@code delta.audio},
     * {@code delta.annotations}, logprobs), as a partial choice for the OpenAI renderer to hand on unchanged; the
     * {@code /ai/chat} shape has no place for it, as its single answers have none.
     */
    record PassThroughDelta(ObjectNode passThrough) implements StreamEvent {
    }

    /**
     * A piece of Claude's thinking: more of a thinking block's text, its signature (a block with empty text), or a
     * whole redacted block.
     */
    record ThinkingDelta(ThinkingBlock piece) implements StreamEvent {
    }

    /** A tool call begins ({@code id} and {@code name} set) or continues (more {@code argumentsDelta}). */
    record ToolCallDelta(int index, String id, String name, String argumentsDelta) implements StreamEvent {
    }

    /** The model stopped, with OpenAI's finish reason. */
    record Finished(String finishReason) implements StreamEvent {
    }

    /**
     * The gateway ended the answer here, before the provider did (a stop sequence it applies itself, see
     * {@link WhitespaceStops}): the events before it are the whole answer, so the relay ends the caller's stream at once
     * and stops the provider's, whose usage will not come.
     */
    record Cut() implements StreamEvent {
    }

    /** Token counts so far (merged field by field by the relay). */
    record UsageReport(Usage usage) implements StreamEvent {
    }

    /** The upstream failed in the middle of the stream. */
    record Failed(GatewayException error) implements StreamEvent {
    }
}
