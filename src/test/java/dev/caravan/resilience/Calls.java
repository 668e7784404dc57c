package dev.caravan.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.support.Gateway;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the resilience tests: requests, SSE bodies, headers, a test catalog. */
final class Calls {

    static final ObjectMapper JSON = new ObjectMapper();

    private Calls() {
    }

    static HttpResponse<String> chat(Gateway gateway, String api, String model, boolean stream) throws Exception {
        String path = "simple".equals(api) ? "/ai/chat" : "/v1/chat/completions";
        return gateway.post(path, "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"echo me\"}]}");
    }

    static HttpResponse<String> chat(Gateway gateway, String model, boolean stream) throws Exception {
        return chat(gateway, "openai", model, stream);
    }

    /** One answered request and one streamed, so that timing assertions do not measure the JVM warming up. */
    static void warmUp(Gateway gateway, FaultyUpstream upstream) throws Exception {
        upstream.then(FaultyUpstream.ok("warm")).then(FaultyUpstream.stream(
                dev.caravan.support.FakeOpenAi.streamChunks(List.of("warm"), 1)));
        chat(gateway, "openai/gpt-4o", false);
        chat(gateway, "openai/gpt-4o", true);
        upstream.reset();
    }

    static int attempts(HttpResponse<?> response) {
        return Integer.parseInt(response.headers().firstValue("x-caravan-attempts").orElse("-1"));
    }

    static String provider(HttpResponse<?> response) {
        return response.headers().firstValue("x-caravan-provider").orElse(null);
    }

    static List<String> dataEvents(String body) {
        List<String> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                out.add(line.substring(6));
            }
        }
        return out;
    }

    /** The text of an answer, JSON or SSE, in the OpenAI shape. */
    static String text(HttpResponse<String> response) throws Exception {
        if (response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) {
            StringBuilder text = new StringBuilder();
            for (String event : dataEvents(response.body())) {
                if (!"[DONE]".equals(event)) {
                    text.append(JSON.readTree(event).path("choices").path(0).path("delta").path("content").asText(""));
                }
            }
            return text.toString();
        }
        return JSON.readTree(response.body()).path("choices").path(0).path("message").path("content").asText();
    }

    static JsonNode error(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body()).path("error");
    }

    /** The repository's catalog with extra lines inserted under {@code fallbacks:} and appended at the end. */
    static Path catalog(Path dir, String fallbacks, String extra) throws Exception {
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, Files.readString(Path.of("config/catalog.yaml"))
                .replace("fallbacks:\n", "fallbacks:\n" + fallbacks) + "\n" + extra);
        return catalog;
    }
}
