package dev.caravan.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A streamed answer as the client saw it: each SSE data line with the moment it arrived after the request. */
public record StreamCapture(HttpResponse<InputStream> response, List<String> data, List<Long> arrivedMillis,
                            long totalMillis) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** POSTs {@code json} to the gateway and reads the SSE answer to its end, line by line as it arrives. */
    /** {@link #post} on another thread, for a stream that should be in flight while the test does something else. */
    public static CompletableFuture<StreamCapture> postInBackground(Gateway gateway, String path, String json) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return post(gateway, path, json);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    public static StreamCapture post(Gateway gateway, String path, String json) throws Exception {
        long start = System.nanoTime();
        HttpResponse<InputStream> response = gateway.http().send(HttpRequest.newBuilder(
                        URI.create(gateway.baseUrl() + path))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofInputStream());
        List<String> data = new ArrayList<>();
        List<Long> arrived = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                    arrived.add((System.nanoTime() - start) / 1_000_000);
                }
            }
        }
        return new StreamCapture(response, data, arrived, (System.nanoTime() - start) / 1_000_000);
    }

    public int status() {
        return response.statusCode();
    }

    public String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** Every data event but {@code [DONE]}, parsed. */
    public List<JsonNode> chunks() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String event : data) {
            if (!"[DONE]".equals(event)) {
                out.add(JSON.readTree(event));
            }
        }
        return out;
    }

    /** Milliseconds after the request when the first chunk carrying text content arrived, or -1. */
    public long firstContentMillis() throws IOException {
        for (int i = 0; i < data.size(); i++) {
            if ("[DONE]".equals(data.get(i))) {
                continue;
            }
            JsonNode chunk = JSON.readTree(data.get(i));
            String openAi = chunk.path("choices").path(0).path("delta").path("content").asText("");
            String simple = chunk.path("content").asText("");
            if (!openAi.isEmpty() || !simple.isEmpty()) {
                return arrivedMillis.get(i);
            }
        }
        return -1;
    }

    /**
     * What an OpenAI-shaped stream's chunks carry, in order ("content", "tool_calls", "finish", "error"), a run of
     * chunks carrying the same thing counted once: the order in which the caller saw text, calls and the end.
     */
    public List<String> openAiOrder() throws IOException {
        List<String> order = new ArrayList<>();
        for (JsonNode chunk : chunks()) {
            JsonNode choice = chunk.path("choices").path(0);
            String carries = chunk.has("error") ? "error"
                    : !choice.path("delta").path("content").asText("").isEmpty() ? "content"
                    : choice.path("delta").has("tool_calls") ? "tool_calls"
                    : choice.path("finish_reason").isTextual() ? "finish" : null;
            if (carries != null && (order.isEmpty() || !order.get(order.size() - 1).equals(carries))) {
                order.add(carries);
            }
        }
        return order;
    }

    /** The text of an OpenAI-shaped stream, deltas joined. */
    public String openAiText() throws IOException {
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : chunks()) {
            text.append(chunk.path("choices").path(0).path("delta").path("content").asText(""));
        }
        return text.toString();
    }
}
