package dev.caravan.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fake Anthropic Messages API on 127.0.0.1. It turns requests away as the real service does (401 without the
 * right {@code x-api-key}, 400 without {@code anthropic-version} or {@code max_tokens}, with a {@code system} role in
 * {@code messages}, with roles that do not alternate or do not start with the user, with tool results that answer
 * no tool use) and answers in the exact wire format: a Message as JSON, or, for {@code stream: true}, the SSE events
 * with their {@code event:} lines (message_start, content_block_start/delta/stop, ping, message_delta, message_stop).
 * Tests script the next answers and read what it received.
 */
public final class FakeAnthropic implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One scripted answer to a request that passed validation. */
    public interface Answer {
        void send(HttpExchange exchange, JsonNode request) throws IOException;
    }

    /** A request as the fake received it (rejected ones included). */
    public record Received(String path, Map<String, List<String>> headers, String body, int status) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A tool use the model makes: its arguments arrive in {@code argumentPieces} when streamed. */
    public record ToolUse(String id, String name, List<String> argumentPieces) {
        public String arguments() {
            return String.join("", argumentPieces);
        }
    }

    /**
     * A scripted model answer, sent as JSON or as a stream as the request asks. Text comes in {@code textPieces}
     * (one text_delta each when streamed); tool uses follow the text.
     */
    public record Reply(List<String> textPieces, List<ToolUse> toolUses, String stopReason, int inputTokens,
                        int outputTokens, long delayMillis, List<Thought> thoughts) {
        public Reply(List<String> textPieces, List<ToolUse> toolUses, String stopReason, int inputTokens,
                     int outputTokens, long delayMillis) {
            this(textPieces, toolUses, stopReason, inputTokens, outputTokens, delayMillis, List.of());
        }

        public Reply delayed(long millis) {
            return new Reply(textPieces, toolUses, stopReason, inputTokens, outputTokens, millis, thoughts);
        }

        /** The same reply after the model's thinking (which comes first, as Claude writes it). */
        public Reply thinking(Thought... thinking) {
            return new Reply(textPieces, toolUses, stopReason, inputTokens, outputTokens, delayMillis,
                    List.of(thinking));
        }

        /**
         * The reply as {@code model} answers {@code request}: thinking blocks with empty text (their signatures
         * kept) where the model omits its thinking unless the request asks for it summarized.
         */
        Reply as(String model, JsonNode request) {
            JsonNode thinking = request.path("thinking");
            if (thinking.isMissingNode() || !ThinkingModels.omitsThinkingByDefault(model)
                    || "summarized".equals(thinking.path("display").asText())) {
                return this;
            }
            return new Reply(textPieces, toolUses, stopReason, inputTokens, outputTokens, delayMillis, thoughts
                    .stream().map(thought -> new Thought(List.of(), thought.signature(), thought.redactedData()))
                    .toList());
        }
    }

    /**
     * A thinking block the model writes: its text in {@code pieces} (one thinking_delta each when streamed) and its
     * signature; or, with {@code redactedData}, a redacted_thinking block.
     */
    public record Thought(List<String> pieces, String signature, String redactedData) {
        public static Thought of(String signature, String... pieces) {
            return new Thought(List.of(pieces), signature, null);
        }

        public static Thought redacted(String data) {
            return new Thought(List.of(), null, data);
        }
    }

    private final String apiKey;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Answer> fallback = new AtomicReference<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    public FakeAnthropic(String apiKey) throws IOException {
        this.apiKey = apiKey;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
        fallback.set(reply(text("Hello from the fake.", 12, 5)));
    }

    /** The base URL without {@code /v1}: the gateway appends {@code /v1/messages}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public FakeAnthropic then(Answer answer) {
        script.add(answer);
        return this;
    }

    public FakeAnthropic always(Answer answer) {
        fallback.set(answer);
        script.clear();
        return this;
    }

    public List<Received> received() {
        return received;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String[] rejection = reject(exchange, body);
            received.add(new Received(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()),
                    body, rejection == null ? 200 : Integer.parseInt(rejection[0])));
            if (rejection != null) {
                error(Integer.parseInt(rejection[0]), rejection[1], rejection[2]).send(exchange, null);
                return;
            }
            Answer answer = script.poll();
            try {
                (answer != null ? answer : fallback.get()).send(exchange, JSON.readTree(body));
            } catch (IOException gone) {
                // the gateway went away mid-answer; some tests want exactly that
            }
        }
    }

    /** {status, error type, message} when the real API would refuse the request, else null. */
    private String[] reject(HttpExchange exchange, String body) {
        if (!"POST".equals(exchange.getRequestMethod()) || !"/v1/messages".equals(exchange.getRequestURI().getPath())) {
            return new String[] {"404", "not_found_error", "Not Found"};
        }
        String key = exchange.getRequestHeaders().getFirst("x-api-key");
        if (key == null || key.isBlank()) {
            return new String[] {"401", "authentication_error", "x-api-key header is required"};
        }
        if (!key.equals(apiKey)) {
            return new String[] {"401", "authentication_error", "invalid x-api-key"};
        }
        if (exchange.getRequestHeaders().getFirst("anthropic-version") == null) {
            return new String[] {"400", "invalid_request_error", "anthropic-version: header is required"};
        }
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            return new String[] {"400", "invalid_request_error", "There was an issue with your request body"};
        }
        if (request == null || !request.isObject()) {
            return new String[] {"400", "invalid_request_error", "Request body must be a JSON object"};
        }
        String problem = MessagesApiRules.violation(request);
        return problem == null ? null : new String[] {"400", "invalid_request_error", problem};
    }

    // ---- scripted answers ----------------------------------------------------------------------------------

    public static Reply text(String text, int inputTokens, int outputTokens) {
        return new Reply(List.of(text), List.of(), "end_turn", inputTokens, outputTokens, 0);
    }

    public static Reply pieces(List<String> textPieces, String stopReason, int inputTokens, int outputTokens) {
        return new Reply(textPieces, List.of(), stopReason, inputTokens, outputTokens, 0);
    }

    public static Reply toolUse(ToolUse use, int inputTokens, int outputTokens) {
        return new Reply(List.of(), List.of(use), "tool_use", inputTokens, outputTokens, 0);
    }

    /** Answers the reply as a Message, or as its event stream when the request says {@code stream: true}. */
    public Answer reply(Reply reply) {
        return (exchange, request) -> {
            String id = "msg_01Fake" + ids.incrementAndGet();
            String model = request.path("model").asText();
            Reply answered = reply.as(model, request);
            if (request.path("stream").asBoolean(false)) {
                stream(exchange, answered.delayMillis(), events(id, model, answered));
            } else {
                json(200, message(id, model, answered)).send(exchange, request);
            }
        };
    }

    static String message(String id, String model, Reply reply) throws IOException {
        ObjectNode message = JSON.createObjectNode().put("id", id).put("type", "message").put("role", "assistant")
                .put("model", model);
        ArrayNode content = message.putArray("content");
        for (Thought thought : reply.thoughts()) {
            if (thought.redactedData() != null) {
                content.addObject().put("type", "redacted_thinking").put("data", thought.redactedData());
            } else {
                content.addObject().put("type", "thinking").put("thinking", String.join("", thought.pieces()))
                        .put("signature", thought.signature());
            }
        }
        if (!reply.textPieces().isEmpty()) {
            content.addObject().put("type", "text").put("text", String.join("", reply.textPieces()));
        }
        for (ToolUse use : reply.toolUses()) {
            content.addObject().put("type", "tool_use").put("id", use.id()).put("name", use.name())
                    .set("input", JSON.readTree(use.arguments()));
        }
        message.put("stop_reason", reply.stopReason());
        message.putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", reply.inputTokens())
                .put("cache_creation_input_tokens", 0).put("cache_read_input_tokens", 0)
                .put("output_tokens", reply.outputTokens());
        return JSON.writeValueAsString(message);
    }

    /** The reply as Anthropic streams it: {event name, data} pairs. */
    static List<String[]> events(String id, String model, Reply reply) throws IOException {
        List<String[]> events = new ArrayList<>();
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        ObjectNode message = start.putObject("message").put("id", id).put("type", "message")
                .put("role", "assistant").put("model", model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", reply.inputTokens())
                .put("cache_creation_input_tokens", 0).put("cache_read_input_tokens", 0).put("output_tokens", 1);
        events.add(event("message_start", start));
        int index = 0;
        for (Thought thought : reply.thoughts()) {
            thinkingEvents(events, index++, thought);
        }
        if (!reply.textPieces().isEmpty()) {
            ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
            blockStart.putObject("content_block").put("type", "text").put("text", "");
            events.add(event("content_block_start", blockStart));
            events.add(new String[] {"ping", "{\"type\": \"ping\"}"});
            for (String piece : reply.textPieces()) {
                ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
                delta.putObject("delta").put("type", "text_delta").put("text", piece);
                events.add(event("content_block_delta", delta));
            }
            events.add(event("content_block_stop",
                    JSON.createObjectNode().put("type", "content_block_stop").put("index", index)));
            index++;
        } else {
            events.add(new String[] {"ping", "{\"type\": \"ping\"}"});
        }
        for (ToolUse use : reply.toolUses()) {
            ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
            ObjectNode block = blockStart.putObject("content_block").put("type", "tool_use").put("id", use.id())
                    .put("name", use.name());
            block.putObject("input");
            events.add(event("content_block_start", blockStart));
            List<String> pieces = new ArrayList<>();
            pieces.add("");
            pieces.addAll(use.argumentPieces());
            for (String piece : pieces) {
                ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
                delta.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
                events.add(event("content_block_delta", delta));
            }
            events.add(event("content_block_stop",
                    JSON.createObjectNode().put("type", "content_block_stop").put("index", index)));
            index++;
        }
        ObjectNode end = JSON.createObjectNode().put("type", "message_delta");
        end.putObject("delta").put("stop_reason", reply.stopReason()).putNull("stop_sequence");
        end.putObject("usage").put("output_tokens", reply.outputTokens());
        events.add(event("message_delta", end));
        events.add(new String[] {"message_stop", "{\"type\":\"message_stop\"}"});
        return events;
    }

    /** A thinking block streamed: its text in thinking_deltas, then its signature; a redacted one whole at start. */
    private static void thinkingEvents(List<String[]> events, int index, Thought thought) throws IOException {
        ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
        if (thought.redactedData() != null) {
            blockStart.putObject("content_block").put("type", "redacted_thinking").put("data", thought.redactedData());
            events.add(event("content_block_start", blockStart));
        } else {
            blockStart.putObject("content_block").put("type", "thinking").put("thinking", "").put("signature", "");
            events.add(event("content_block_start", blockStart));
            for (String piece : thought.pieces()) {
                ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
                delta.putObject("delta").put("type", "thinking_delta").put("thinking", piece);
                events.add(event("content_block_delta", delta));
            }
            ObjectNode signature = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
            signature.putObject("delta").put("type", "signature_delta").put("signature", thought.signature());
            events.add(event("content_block_delta", signature));
        }
        events.add(event("content_block_stop",
                JSON.createObjectNode().put("type", "content_block_stop").put("index", index)));
    }

    private static String[] event(String name, ObjectNode data) throws IOException {
        return new String[] {name, JSON.writeValueAsString(data)};
    }

    /** Raw SSE: each {event, data} pair written and flushed on its own, {@code delayMillis} apart. */
    public static Answer sse(long delayMillis, List<String[]> events) {
        return (exchange, request) -> stream(exchange, delayMillis, events);
    }

    private static void stream(HttpExchange exchange, long delayMillis, List<String[]> events) throws IOException {
        exchange.getResponseHeaders().add("content-type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().add("request-id", "req_fake");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (String[] event : events) {
            FakeOpenAi.pause(delayMillis);
            out.write(("event: " + event[0] + "\ndata: " + event[1] + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    public static Answer json(int status, String body) {
        return (exchange, request) -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.getResponseHeaders().add("request-id", "req_fake");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        };
    }

    /** Anthropic's error answer: {@code {"type":"error","error":{"type","message"}}}. */
    public static Answer error(int status, String type, String message) {
        ObjectNode body = JSON.createObjectNode().put("type", "error");
        body.putObject("error").put("type", type).put("message", message);
        return json(status, body.toString());
    }

    /** 529, as Anthropic answers when it is overloaded. */
    public static Answer overloaded() {
        return error(529, "overloaded_error", "Overloaded");
    }
}
