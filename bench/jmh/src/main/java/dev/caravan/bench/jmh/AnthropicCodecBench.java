package dev.caravan.bench.jmh;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.StreamEvent;
import dev.caravan.providers.StreamDecoder;
import dev.caravan.providers.anthropic.AnthropicCodec;
import dev.caravan.streaming.SseEvent;
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

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Anthropic Messages: request encoding, answer decoding, one text delta event decoded. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AnthropicCodecBench {

    static final String RESPONSE = "{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-sonnet-4-20250514\",\"content\":[{\"type\":\"text\",\"text\":\"Paris is the capital of "
            + "France. It is famous for the Eiffel Tower, the Louvre and its cafes.\"}],\"stop_reason\":\"end_turn\","
            + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":31,\"cache_creation_input_tokens\":0,"
            + "\"cache_read_input_tokens\":0,\"output_tokens\":22,\"service_tier\":\"standard\"}}";

    private final AnthropicCodec codec = new AnthropicCodec(model -> 8192);
    private ChatRequest small;
    private ChatRequest tools;
    private byte[] response;
    private SseEvent delta;
    private StreamDecoder decoder;

    @Setup
    public void setUp() {
        small = Samples.parse(Samples.SMALL_REQUEST).withModel("claude-sonnet-4-20250514");
        tools = Samples.parse(Samples.TOOL_REQUEST).withModel("claude-sonnet-4-20250514");
        response = Samples.bytes(RESPONSE);
        decoder = codec.newStreamDecoder();
        decoder.decode(new SseEvent("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-20250514\","
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":18,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}"));
        decoder.decode(new SseEvent("content_block_start",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
        delta = new SseEvent("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\" famous\"}}");
    }

    @Benchmark
    public byte[] encodeRequest() {
        return codec.encodeRequest(small, "claude-sonnet-4-20250514");
    }

    @Benchmark
    public byte[] encodeRequestWithTools() {
        return codec.encodeRequest(tools, "claude-sonnet-4-20250514");
    }

    @Benchmark
    public ChatResponse decodeResponse() {
        return codec.decodeResponse(response);
    }

    @Benchmark
    public List<StreamEvent> decodeStreamEvent() {
        return decoder.decode(delta);
    }
}
