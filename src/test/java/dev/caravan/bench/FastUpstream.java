package dev.caravan.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fast fake OpenAI upstream on 127.0.0.1 (Vert.x, event loops only, nothing blocks): {@code POST
 * .../chat/completions} answers a fixed {@code chat.completion} JSON, or with {@code "stream":true} an SSE stream of
 * {@code tokens} chunks {@code delayMs} apart (timers, so thousands of slow streams cost next to nothing).
 * A request may override the stream's shape in its {@code user} field: {@code "user":"bench-delay-500-tokens-40"}.
 */
public final class FastUpstream implements AutoCloseable {

    private static final Pattern OVERRIDE = Pattern.compile("\"user\":\"bench-delay-(\\d+)-tokens-(\\d+)\"");

    static final String COMPLETION = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1732000000,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Hello from the bench upstream.\",\"refusal\":null},\"logprobs\":null,"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":6,\"total_tokens\":18,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}},"
            + "\"system_fingerprint\":\"fp_bench\"}";

    private static final String HEAD = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1732000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_bench\",";
    private static final Buffer ROLE = sse("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\","
            + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}");
    private static final Buffer TOKEN = sse("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"},"
            + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}");
    private static final Buffer STOP = sse("\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
            + "\"finish_reason\":\"stop\"}],\"usage\":null}");

    private final Vertx vertx;
    private final int port;
    private final int defaultTokens;
    private final long defaultDelayMs;
    private final Buffer completion = Buffer.buffer(COMPLETION);
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong openStreams = new AtomicLong();
    /** When the last streaming request had arrived whole, and when its first content token was written (nanoTime). */
    private volatile long lastStreamArrived;
    private volatile long lastStreamFirstToken;

    /** The two instants of the latest stream, on this JVM's {@link System#nanoTime()} clock. */
    record StreamInstants(long arrivedNanos, long firstTokenWrittenNanos) {
    }

    /** Starts on a free loopback port, {@code eventLoops} event loops, streams of {@code tokens} every {@code delayMs}. */
    public FastUpstream(int eventLoops, int tokens, long delayMs) throws Exception {
        this.defaultTokens = tokens;
        this.defaultDelayMs = delayMs;
        this.port = Ports.free();
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1));
        vertx.deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start(Promise<Void> started) {
                vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
                                .setTcpNoDelay(true).setAcceptBacklog(4096).setIdleTimeout(0))
                        .requestHandler(FastUpstream.this::handle)
                        .listen().<Void>mapEmpty().onComplete(started);
            }
        }, new DeploymentOptions().setInstances(eventLoops)).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            requests.incrementAndGet();
            HttpServerResponse response = request.response();
            String text = body.toString(StandardCharsets.UTF_8);
            if (!text.contains("\"stream\":true")) {
                response.putHeader("content-type", "application/json").end(completion);
                return;
            }
            int tokens = defaultTokens;
            long delay = defaultDelayMs;
            Matcher m = OVERRIDE.matcher(text);
            if (m.find()) {
                delay = Long.parseLong(m.group(1));
                tokens = Integer.parseInt(m.group(2));
            }
            lastStreamArrived = System.nanoTime();
            stream(response, tokens, delay);
        }).onFailure(e -> request.response().setStatusCode(400).end());
    }

    private void stream(HttpServerResponse response, int tokens, long delay) {
        openStreams.incrementAndGet();
        response.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
        response.write(ROLE);
        if (delay <= 0) {
            lastStreamFirstToken = System.nanoTime();
            for (int i = 0; i < tokens; i++) {
                response.write(TOKEN);
            }
            finish(response, tokens);
            return;
        }
        int[] sent = {0};
        long timer = vertx.setPeriodic(delay, id -> {
            if (response.closed() || response.ended()) {
                vertx.cancelTimer(id);
                return;
            }
            if (sent[0] < tokens) {
                if (sent[0]++ == 0) {
                    lastStreamFirstToken = System.nanoTime();
                }
                response.write(TOKEN);
            } else {
                vertx.cancelTimer(id);
                finish(response, tokens);
            }
        });
        response.closeHandler(v -> {
            vertx.cancelTimer(timer);
            if (!response.ended()) {
                openStreams.decrementAndGet();
            }
        });
    }

    private void finish(HttpServerResponse response, int tokens) {
        response.write(STOP);
        response.write(sse("\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":" + tokens
                + ",\"total_tokens\":" + (12 + tokens) + ",\"prompt_tokens_details\":{\"cached_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}"));
        response.end(Buffer.buffer("data: [DONE]\n\n"));
        openStreams.decrementAndGet();
    }

    private static Buffer sse(String rest) {
        return Buffer.buffer(HEAD + rest + "\n\n");
    }

    public int port() {
        return port;
    }

    /** The base URL as the gateway's {@code OPENAI_BASE_URL} wants it. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    public long requests() {
        return requests.get();
    }

    public long openStreams() {
        return openStreams.get();
    }

    /** The latest stream's instants: meaningful when streams are requested one at a time ({@link Ttft}). */
    StreamInstants lastStream() {
        return new StreamInstants(lastStreamArrived, lastStreamFirstToken);
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Runs standalone: {@code FastUpstream [eventLoops] [tokens] [delayMs]}; prints its port, serves until killed. */
    public static void main(String[] args) throws Exception {
        int loops = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long delay = args.length > 2 ? Long.parseLong(args[2]) : 10;
        FastUpstream upstream = new FastUpstream(loops, tokens, delay);
        System.out.println("fast upstream on " + upstream.baseUrl());
        Thread.currentThread().join();
    }
}
