package dev.caravan.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.api.Json;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.Usage;
import dev.caravan.providers.StreamDecoder;
import dev.caravan.streaming.SseEvent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Decodes OpenAI's {@code chat.completion.chunk} stream, ending at {@code data: [DONE]}. */
final class OpenAiStreamDecoder implements StreamDecoder {

    private boolean started;
    private boolean done;

    @Override
    public List<StreamEvent> decode(SseEvent event) {
        String data = event.data();
        if ("[DONE]".equals(data)) {
            done = true;
            return List.of();
        }
        JsonNode chunk;
        try {
            chunk = Json.MAPPER.readTree(data);
        } catch (IOException e) {
            return List.of(new StreamEvent.Failed(GatewayException.upstreamUnavailable("openai",
                    "a stream event is not valid JSON")));
        }
        List<StreamEvent> events = new ArrayList<>(2);
        if (chunk.has("error")) {
            JsonNode error = chunk.path("error");
            events.add(new StreamEvent.Failed(new GatewayException(502, "upstream_error",
                    error.path("code").asText("upstream_error"), null,
                    "openai: " + error.path("message").asText("the stream failed"), true, 0)));
            return events;
        }
        if (!started) {
            started = true;
            events.add(new StreamEvent.Started(chunk.path("id").asText(null)));
        }
        JsonNode choice = chunk.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        JsonNode content = delta.path("content");
        JsonNode refusal = delta.path("refusal");
        boolean hasContent = content.isTextual() && !content.asText().isEmpty();
        boolean hasRefusal = refusal.isTextual() && !refusal.asText().isEmpty();
        ObjectNode passThrough = OpenAiPassThrough.ofChunk(choice);
        if (hasContent) {
            events.add(new StreamEvent.TextDelta(content.asText(), passThrough));
        }
        if (hasRefusal) {
            events.add(new StreamEvent.RefusalDelta(refusal.asText(), hasContent ? null : passThrough));
        }
        if (!hasContent && !hasRefusal && passThrough != null && passThrough.has("delta")) {
            // an audio answer's chunks, or URL citations sent after the text; logprobs alone are no answer (OpenAI's
            // first chunk has empty ones beside its empty content)
            events.add(new StreamEvent.PassThroughDelta(passThrough));
        }
        for (JsonNode call : delta.path("tool_calls")) {
            JsonNode function = call.path("function");
            events.add(new StreamEvent.ToolCallDelta(call.path("index").asInt(), call.path("id").asText(null),
                    function.path("name").asText(null), function.path("arguments").asText("")));
        }
        if (choice.path("finish_reason").isTextual()) {
            events.add(new StreamEvent.Finished(choice.path("finish_reason").asText()));
        }
        Usage usage = OpenAiUsage.read(chunk.path("usage"));
        if (usage != null) {
            events.add(new StreamEvent.UsageReport(usage));
        }
        return events;
    }

    @Override
    public boolean finished() {
        return done;
    }
}
