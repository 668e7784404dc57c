package dev.caravan.bench.jmh;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.StreamEvent;
import dev.caravan.providers.bedrock.BedrockCodec;
import dev.caravan.providers.bedrock.BedrockStreamDecoder;
import dev.caravan.providers.bedrock.ToolNameMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDelta;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Bedrock Converse: the SDK request built from a normalized request, an SDK answer decoded, one SDK stream event
 * decoded. The SDK's own JSON and event-stream framing are not included (they are the SDK's work, not Caravan's).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BedrockCodecBench {

    private static final String MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";

    private final BedrockCodec codec = new BedrockCodec();
    private ChatRequest small;
    private ChatRequest tools;
    private ToolNameMap smallNames;
    private ToolNameMap toolNames;
    private ConverseResponse response;
    private ConverseStreamOutput delta;
    private BedrockStreamDecoder decoder;

    @Setup
    public void setUp() {
        small = Samples.parse(Samples.SMALL_REQUEST);
        tools = Samples.parse(Samples.TOOL_REQUEST);
        smallNames = ToolNameMap.of(small);
        toolNames = ToolNameMap.of(tools);
        response = ConverseResponse.builder()
                .output(ConverseOutput.fromMessage(Message.builder().role(ConversationRole.ASSISTANT)
                        .content(ContentBlock.fromText("Paris is the capital of France. It is famous for the Eiffel "
                                + "Tower, the Louvre and its cafes.")).build()))
                .stopReason(StopReason.END_TURN)
                .usage(TokenUsage.builder().inputTokens(31).outputTokens(22).totalTokens(53).build())
                .build();
        delta = ConverseStreamOutput.contentBlockDeltaBuilder().contentBlockIndex(0)
                .delta(ContentBlockDelta.fromText(" famous")).build();
        decoder = codec.newStreamDecoder(smallNames);
        decoder.messageId("req-1");
    }

    @Benchmark
    public ConverseRequest encodeRequest() {
        return codec.converseRequest(small, MODEL, smallNames);
    }

    @Benchmark
    public ConverseRequest encodeRequestWithTools() {
        return codec.converseRequest(tools, MODEL, toolNames);
    }

    @Benchmark
    public ChatResponse decodeResponse() {
        return codec.decodeResponse(response, MODEL, smallNames);
    }

    @Benchmark
    public List<StreamEvent> decodeStreamEvent() {
        return decoder.decode(delta);
    }
}
