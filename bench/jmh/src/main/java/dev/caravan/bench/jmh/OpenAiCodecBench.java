package dev.caravan.bench.jmh;

import dev.caravan.api.OpenAiRequestParser;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.StreamEvent;
import dev.caravan.providers.StreamDecoder;
import dev.caravan.providers.openai.OpenAiCodec;
import dev.caravan.streaming.SseEvent;
import dev.caravan.streaming.SseParser;
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

/**
 * OpenAI: the caller's request parsed and re-encoded for upstream, an answer decoded, one stream chunk decoded (from
 * its event, and from its bytes on the wire).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OpenAiCodecBench {

    static final String RESPONSE = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1732000000,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Paris is the capital of France. It is famous for the Eiffel Tower, the Louvre and its "
            + "cafes.\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
            + "31,\"completion_tokens\":22,\"total_tokens\":53,\"prompt_tokens_details\":{\"cached_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":0}},\"system_fingerprint\":\"fp_bench\"}";

    static final String CHUNK = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1732000000,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\" famous\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}";

    private final OpenAiCodec codec = new OpenAiCodec();
    private final OpenAiRequestParser parser = new OpenAiRequestParser();
    private byte[] smallBody;
    private ChatRequest small;
    private ChatRequest tools;
    private byte[] response;
    private SseEvent chunk;
    private StreamDecoder decoder;
    private byte[] wireChunk;
    private SseParser framed;
    private int decodedEvents;

    @Setup
    public void setUp() {
        smallBody = Samples.bytes(Samples.SMALL_REQUEST);
        small = Samples.parse(Samples.SMALL_REQUEST);
        tools = Samples.parse(Samples.TOOL_REQUEST);
        response = Samples.bytes(RESPONSE);
        chunk = new SseEvent(null, CHUNK);
        decoder = codec.newStreamDecoder();
        decoder.decode(chunk); // past the first chunk, which also announces the stream's start
        wireChunk = Samples.bytes("data: " + CHUNK + "\n\n");
        StreamDecoder framedDecoder = codec.newStreamDecoder();
        framedDecoder.decode(chunk);
        framed = new SseParser(event -> decodedEvents += framedDecoder.decode(event).size());
    }

    /** The gateway's intake of a caller's request (parse and validate). */
    @Benchmark
    public ChatRequest parseRequest() {
        return parser.parse(smallBody);
    }

    @Benchmark
    public byte[] encodeRequest() {
        return codec.encodeRequest(small, "gpt-4o-mini");
    }

    @Benchmark
    public byte[] encodeRequestWithTools() {
        return codec.encodeRequest(tools, "gpt-4o-mini");
    }

    @Benchmark
    public ChatResponse decodeResponse() {
        return codec.decodeResponse(response);
    }

    @Benchmark
    public List<StreamEvent> decodeStreamEvent() {
        return decoder.decode(chunk);
    }

    /**
     * One chunk as it comes off the upstream's socket: its SSE framing parsed, then decoded (what the gateway does
     * per event of a stream it relays from the event loop).
     */
    @Benchmark
    public int parseAndDecodeStreamEvent() {
        framed.feed(wireChunk);
        int events = decodedEvents;
        decodedEvents = 0;
        return events;
    }
}
