package dev.caravan.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fake OpenAI server on 127.0.0.1 speaking the Chat Completions wire format. Tests script its next answers
 * and read what it received.
 */
public final class FakeOpenAi implements AutoCloseable {

    /** One scripted answer. */
    public interface Answer {
        void send(HttpExchange exchange) throws IOException;
    }

    /** A request as the fake received it. */
    public record Received(String path, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Answer> fallback = new AtomicReference<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();

    public FakeOpenAi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
        fallback.set(json(200, chatCompletion("Hello from the fake.", 12, 5)));
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        received.add(new Received(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), body));
        Answer answer = script.poll();
        try {
            (answer != null ? answer : fallback.get()).send(exchange);
        } catch (IOException e) {
            // the gateway went away mid-answer; that is what some tests want to see
        } finally {
            exchange.close();
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public FakeOpenAi then(Answer answer) {
        script.add(answer);
        return this;
    }

    public FakeOpenAi always(Answer answer) {
        fallback.set(answer);
        return this;
    }

    public List<Received> received() {
        return received;
    }

    public static Answer json(int status, String body) {
        return exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        };
    }

    public static Answer json(int status, String body, Map<String, String> headers) {
        return exchange -> {
            headers.forEach(exchange.getResponseHeaders()::add);
            json(status, body).send(exchange);
        };
    }

    /** An SSE answer: each event's data written and flushed on its own, {@code delayMillis} apart. */
    public static Answer sse(long delayMillis, List<String> dataEvents) {
        return exchange -> {
            exchange.getResponseHeaders().add("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (String data : dataEvents) {
                pause(delayMillis);
                out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        };
    }

    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static String chatCompletion(String content, int promptTokens, int completionTokens) {
        return "{\"id\":\"chatcmpl-fake1\",\"object\":\"chat.completion\",\"created\":1732000000,"
                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"" + content + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
                + ",\"total_tokens\":" + (promptTokens + completionTokens)
                + ",\"prompt_tokens_details\":{\"cached_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0}},\"system_fingerprint\":\"fp_fake\"}";
    }

    /** A structured-outputs answer in which the model declined: {@code content} null, the reason in {@code refusal}. */
    public static String refusal(String refusal, int promptTokens, int completionTokens) {
        return chatCompletion("", promptTokens, completionTokens)
                .replace("\"content\":\"\",\"refusal\":null", "\"content\":null,\"refusal\":\"" + refusal + "\"");
    }

    /** The chunks of a streamed refusal: each piece as {@code delta.refusal}, as OpenAI streams one. */
    public static List<String> refusalChunks(List<String> pieces, int promptTokens) {
        List<String> out = streamChunks(pieces, promptTokens);
        for (int i = 1; i <= pieces.size(); i++) {
            out.set(i, out.get(i).replace("\"delta\":{\"content\":", "\"delta\":{\"refusal\":"));
        }
        out.set(0, out.get(0).replace("\"content\":\"\",\"refusal\":null", "\"content\":null,\"refusal\":\"\""));
        return out;
    }

    /** The chunks of a streamed answer of {@code words}, with the usage chunk and [DONE], as OpenAI sends them. */
    public static List<String> streamChunks(List<String> words, int promptTokens) {
        List<String> out = new java.util.ArrayList<>();
        String head = "{\"id\":\"chatcmpl-fake2\",\"object\":\"chat.completion.chunk\",\"created\":1732000000,"
                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_fake\",";
        out.add(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}");
        for (String word : words) {
            out.add(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + word + "\"},\"logprobs\":null,"
                    + "\"finish_reason\":null}],\"usage\":null}");
        }
        out.add(head + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":null}");
        out.add(head + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":"
                + words.size() + ",\"total_tokens\":" + (promptTokens + words.size())
                + ",\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":"
                + "{\"reasoning_tokens\":0}}}");
        out.add("[DONE]");
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
