package dev.caravan.providers.bedrock;

import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.ThinkingBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDeltaEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStartEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStopEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamMetadataEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStartEvent;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStopEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Turns one ConverseStream answer's events, one at a time, into normalized events. Bedrock numbers every content
 * block; OpenAI numbers tool calls only, so the decoder keeps which block is which tool call.
 */
public final class BedrockStreamDecoder {

    private final ToolNameMap toolNames;
    private final UnaryOperator<List<StreamEvent>> then;
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
    private final Set<Integer> blocksWithArguments = new HashSet<>();
    private String messageId;
    private boolean finished;

    /** {@code then}: what the request asks of the decoded events (a stop sequences' cut, a structured answer). */
    BedrockStreamDecoder(ToolNameMap toolNames, UnaryOperator<List<StreamEvent>> then) {
        this.toolNames = toolNames;
        this.then = then;
    }

    /** The id {@link StreamEvent.Started} carries (Bedrock's request id, known once the response headers are in). */
    public void messageId(String id) {
        this.messageId = id;
    }

    /** True once messageStop has been seen. */
    public boolean finished() {
        return finished;
    }

    /**
     * The normalized events one SDK stream event means (often one, sometimes none). Synchronized with {@link #failed},
     * which the relay's thread may call (an idle timeout) while an SDK thread is here: {@code then} keeps state.
     */
    public synchronized List<StreamEvent> decode(ConverseStreamOutput event) {
        List<StreamEvent> out = new ArrayList<>(1);
        event.accept(new ConverseStreamResponseHandler.Visitor() {
            @Override
            public void visitMessageStart(MessageStartEvent start) {
                out.add(new StreamEvent.Started(messageId));
            }

            @Override
            public void visitContentBlockStart(ContentBlockStartEvent start) {
                if (start.start() != null && start.start().toolUse() != null) {
                    int toolIndex = toolIndexByBlock.size();
                    toolIndexByBlock.put(start.contentBlockIndex(), toolIndex);
                    out.add(new StreamEvent.ToolCallDelta(toolIndex, start.start().toolUse().toolUseId(),
                            toolNames.callerName(start.start().toolUse().name()), ""));
                }
            }

            @Override
            public void visitContentBlockDelta(ContentBlockDeltaEvent delta) {
                if (delta.delta() == null) {
                    return;
                }
                if (delta.delta().text() != null) {
                    out.add(new StreamEvent.TextDelta(delta.delta().text()));
                } else if (delta.delta().reasoningContent() != null) {
                    ThinkingBlock piece = BedrockReasoning.piece(delta.delta().reasoningContent());
                    if (piece != null) {
                        out.add(new StreamEvent.ThinkingDelta(piece));
                    }
                } else if (delta.delta().toolUse() != null) {
                    String input = delta.delta().toolUse().input();
                    // Bedrock opens a tool block with an empty input delta: it adds nothing to the arguments, and
                    // OpenAI and Anthropic callers never see such a chunk.
                    if (input == null || input.isEmpty()) {
                        return;
                    }
                    Integer toolIndex = toolIndexByBlock.get(delta.contentBlockIndex());
                    blocksWithArguments.add(delta.contentBlockIndex());
                    out.add(new StreamEvent.ToolCallDelta(toolIndex == null ? 0 : toolIndex, null, null, input));
                }
            }

            @Override
            public void visitContentBlockStop(ContentBlockStopEvent stop) {
                // a tool call without parameters streams no input: its arguments are "{}", as in a whole answer
                Integer toolIndex = toolIndexByBlock.get(stop.contentBlockIndex());
                if (toolIndex != null && !blocksWithArguments.contains(stop.contentBlockIndex())) {
                    out.add(new StreamEvent.ToolCallDelta(toolIndex, null, null, "{}"));
                }
            }

            @Override
            public void visitMessageStop(MessageStopEvent stop) {
                finished = true;
                out.add(new StreamEvent.Finished(BedrockCodec.finishReason(stop.stopReasonAsString())));
            }

            @Override
            public void visitMetadata(ConverseStreamMetadataEvent metadata) {
                if (metadata.usage() != null) {
                    out.add(new StreamEvent.UsageReport(BedrockCodec.usage(metadata.usage())));
                }
            }
        });
        return then.apply(out);
    }

    /**
     * The events that end a stream which broke off after it began ({@code error}: an in-stream exception such as
     * modelStreamErrorException, a broken connection, an idle timeout): what {@code then} had held back, then the
     * failure.
     */
    public synchronized List<StreamEvent> failed(GatewayException error) {
        return then.apply(List.of(new StreamEvent.Failed(error)));
    }
}
