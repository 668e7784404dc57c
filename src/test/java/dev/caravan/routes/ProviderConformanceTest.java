package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.caravan.providers.bedrock.AwsTestCredentials;
import dev.caravan.providers.bedrock.FakeBedrock;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import dev.caravan.support.ScriptedAnswer;
import dev.caravan.support.ScriptedAnswer.Call;
import dev.caravan.support.StreamCapture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One table of requests run through OpenAI, Anthropic and Bedrock (each a fake on 127.0.0.1, scripted to give the
 * same answer in its own wire format). What the client sees must be the same whichever served it: the same fields
 * of the same types, the same content, finish reasons, usage numbers, tool calls and stream chunks, event for event.
 * Only what names the upstream may differ: ids, the served model, the cost and the x-caravan-provider header.
 */
class ProviderConformanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPENAI_KEY = "sk-conformance-openai";
    private static final String ANTHROPIC_KEY = "sk-ant-conformance";
    private static final String BEDROCK_MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0";
    /** Fields whose values name the upstream or the moment: only their type is compared. */
    private static final Set<String> VOLATILE = Set.of("id", "created", "model", "provider", "cost");
    private static final String WEATHER_TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Current weather for a city\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}";

    /** One provider behind the gateway: the model name that reaches it, and how to script its next answer. */
    private enum Provider {
        OPENAI("gpt-4o-mini"), ANTHROPIC("claude-3-5-haiku-20241022"), BEDROCK("bedrock/" + BEDROCK_MODEL_ID);

        final String model;

        Provider(String model) {
            this.model = model;
        }

        void script(ScriptedAnswer answer, boolean stream) {
            switch (this) {
                case OPENAI -> openAi.then(stream ? FakeOpenAi.sse(0, answer.openAiChunks())
                        : FakeOpenAi.json(200, answer.openAiJson()));
                case ANTHROPIC -> anthropic.then(anthropic.reply(answer.anthropic()));
                case BEDROCK -> {
                    bedrock.converse(BEDROCK_MODEL_ID, answer.bedrockConverseJson());
                    bedrock.stream(BEDROCK_MODEL_ID, answer.bedrockFrames());
                }
                default -> throw new IllegalStateException();
            }
        }

        /** Nothing the upstream turned away: a fake that refuses a request answers 400 or 401. */
        int refusedRequests() {
            return switch (this) {
                case OPENAI -> 0;
                case ANTHROPIC -> (int) anthropic.received().stream().filter(r -> r.status() != 200).count();
                case BEDROCK -> 0;
            };
        }
    }

    /** One request of the table: the path, the body without its model, the scripted answer, streamed or not. */
    private record Case(String path, String body, ScriptedAnswer answer, boolean stream) {
        String bodyFor(Provider provider) {
            return "{\"model\":\"" + provider.model + "\"," + body.substring(1);
        }
    }

    @TempDir
    static Path dir;
    static FakeOpenAi openAi;
    static FakeAnthropic anthropic;
    static FakeBedrock bedrock;
    static Gateway gateway;
    static AwsTestCredentials aws;

    @BeforeAll
    static void start() throws Exception {
        aws = AwsTestCredentials.set("AKIDCONFORMANCE1234");
        openAi = new FakeOpenAi();
        anthropic = new FakeAnthropic(ANTHROPIC_KEY);
        bedrock = new FakeBedrock();
        Map<String, String> properties = new java.util.HashMap<>(Map.of("caravan.openai.base-url", openAi.baseUrl(),
                "caravan.openai.api-key", OPENAI_KEY,
                "caravan.anthropic.base-url", anthropic.baseUrl(), "caravan.anthropic.api-key", ANTHROPIC_KEY,
                "caravan.bedrock.enabled", "true", "caravan.bedrock.region", "us-east-1",
                "caravan.bedrock.endpoint", bedrock.endpoint().toString(), "caravan.bedrock.http1", "true"));
        // One attempt per target here; retries on the same target are tested in dev.caravan.resilience.
        for (String provider : new String[] {"openai", "anthropic", "bedrock"}) {
            properties.put("caravan." + provider + ".retry.max-retries", "0");
        }
        // The fake Bedrock's error models have no price, which a budget would refuse (403 model_not_priced).
        properties.put("caravan.ledger.budgets-file", Files.writeString(dir.resolve("budgets.yaml"), "").toString());
        gateway = Gateway.start(properties);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        openAi.close();
        anthropic.close();
        bedrock.close();
        aws.close();
    }

    @BeforeEach
    void reset() {
        openAi.received().clear();
        anthropic.received().clear();
        bedrock.received().clear();
    }

    static Stream<Arguments> table() {
        String hello = "[{\"role\":\"user\",\"content\":\"Hi\"}]";
        String multiTurn = "[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"What is 2+2?\"},"
                + "{\"role\":\"assistant\",\"content\":\"4\"},"
                + "{\"role\":\"user\",\"content\":\"And 3+3?\"}]";
        String weather = "[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]";
        String prefilled = "[{\"role\":\"user\",\"content\":\"Name a colour.\"},"
                + "{\"role\":\"assistant\",\"content\":\"The colour is \"}]";
        ScriptedAnswer plain = ScriptedAnswer.text(List.of("Hello", " there", "."), "stop", 12, 5);
        ScriptedAnswer six = ScriptedAnswer.text(List.of("Six", "."), "stop", 31, 2);
        ScriptedAnswer blue = ScriptedAnswer.text(List.of("blue", "."), "stop", 12, 2);
        ScriptedAnswer cut = ScriptedAnswer.text(List.of("The", " answer", " is"), "length", 10, 3);
        ScriptedAnswer tool = ScriptedAnswer.toolCall(new Call("get_weather", List.of("{\"city\":", " \"Paris\"}")),
                80, 20);
        String tools = "\"tools\":[" + WEATHER_TOOL + "],";
        return Stream.of(
                Arguments.of("plain", new Case("/v1/chat/completions", "{\"messages\":" + hello + "}", plain, false)),
                Arguments.of("plain /ai/chat", new Case("/ai/chat", "{\"messages\":" + hello + "}", plain, false)),
                Arguments.of("multi-turn with system", new Case("/v1/chat/completions",
                        "{\"messages\":" + multiTurn + "}", six, false)),
                Arguments.of("multi-turn with system /ai/chat", new Case("/ai/chat",
                        "{\"messages\":" + multiTurn + "}", six, false)),
                Arguments.of("assistant prefill ending in a space", new Case("/v1/chat/completions",
                        "{\"messages\":" + prefilled + "}", blue, false)),
                Arguments.of("tool call", new Case("/v1/chat/completions",
                        "{" + tools + "\"messages\":" + weather + "}", tool, false)),
                Arguments.of("max_tokens cut-off", new Case("/v1/chat/completions",
                        "{\"max_tokens\":3,\"messages\":" + hello + "}", cut, false)),
                Arguments.of("streaming", new Case("/v1/chat/completions",
                        "{\"stream\":true,\"messages\":" + multiTurn + "}", plain, true)),
                Arguments.of("streaming with usage", new Case("/v1/chat/completions",
                        "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":" + hello + "}",
                        plain, true)),
                Arguments.of("streaming /ai/chat", new Case("/ai/chat",
                        "{\"stream\":true,\"messages\":" + hello + "}", plain, true)),
                Arguments.of("streaming assistant prefill ending in a space /ai/chat", new Case("/ai/chat",
                        "{\"stream\":true,\"messages\":" + prefilled + "}", blue, true)),
                Arguments.of("streaming tool call", new Case("/v1/chat/completions",
                        "{\"stream\":true,\"stream_options\":{\"include_usage\":true}," + tools
                                + "\"messages\":" + weather + "}", tool, true)),
                Arguments.of("streaming max_tokens cut-off", new Case("/v1/chat/completions",
                        "{\"stream\":true,\"max_completion_tokens\":3,\"stream_options\":{\"include_usage\":true},"
                                + "\"messages\":" + hello + "}", cut, true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void everyProviderLooksTheSameToTheClient(String name, Case request) throws Exception {
        Map<Provider, JsonNode> seen = new LinkedHashMap<>();
        for (Provider provider : Provider.values()) {
            provider.script(request.answer(), request.stream());
            seen.put(provider, request.stream() ? streamed(provider, request) : answered(provider, request));
        }
        assertSame(seen);
    }

    /**
     * A whitespace-only stop sequence, which Anthropic's models refuse: they are not sent it and write on past it
     * ("\n\n" arriving split across two stream events), and the gateway cuts their answer where OpenAI stops its own,
     * event for event. A single answer has the usage each provider reported; a cut stream ends at the cut, before its
     * provider's usage came: its output is estimated from the text that came ("Positive.\n\nBecause the", 22 bytes),
     * its prompt is Anthropic's count from the stream's start, and on Bedrock, which reports none before its end, the
     * gateway's own count, the one its budget hold makes (1 + 19 characters + 8 for the message).
     */
    @ParameterizedTest(name = "streamed: {0}")
    @ValueSource(booleans = {false, true})
    void aWhitespaceStopSequenceEndsEveryAnswerWhereOpenAisEnds(boolean stream) throws Exception {
        ScriptedAnswer stopped = ScriptedAnswer.text(List.of("Positive."), "stop", 30, 9);
        ScriptedAnswer wroteOn = ScriptedAnswer.text(List.of("Positive.\n", "\nBecause the", " review praises it."),
                "stop", 30, 9);
        Case request = new Case("/v1/chat/completions", "{\"stop\":[\"\\n\\n\",\"END\"],"
                + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Sentiment, then why\"}]}", stopped, stream);
        Map<Provider, JsonNode> seen = new LinkedHashMap<>();
        for (Provider provider : Provider.values()) {
            provider.script(provider == Provider.OPENAI ? stopped : wroteOn, stream);
            seen.put(provider, stream ? streamed(provider, request) : answered(provider, request));
        }
        Map<Provider, String> usage = new LinkedHashMap<>();
        seen.forEach((provider, shape) -> usage.put(provider, takeUsage(shape, stream)));

        assertSame(seen);
        String reported = "{\"prompt_tokens\":30,\"completion_tokens\":9,\"total_tokens\":39,";
        assertTrue(usage.get(Provider.OPENAI).startsWith(reported), usage.toString());
        String cutAt = "\"completion_tokens\":6,";
        assertTrue(usage.get(Provider.ANTHROPIC).startsWith(stream ? "{\"prompt_tokens\":30," + cutAt : reported),
                usage.toString());
        assertTrue(usage.get(Provider.BEDROCK).startsWith(stream ? "{\"prompt_tokens\":28," + cutAt : reported),
                usage.toString());
        assertEquals("[\"\\n\\n\",\"END\"]", JSON.readTree(openAi.received().get(0).body()).path("stop").toString());
        assertEquals("[\"END\"]", anthropic.received().get(0).json().path("stop_sequences").toString());
        assertEquals("[\"END\"]", bedrock.lastReceived().body().path("inferenceConfig").path("stopSequences")
                .toString());
    }

    /**
     * A final assistant turn (a prefill) whose last text ends in whitespace, which Anthropic's models refuse, reaches
     * them without it; OpenAI, which takes it, gets it as it came. The answers look the same (the table's prefill).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("streamingOnly")
    void aPrefillReachesEachProviderWithoutTheTrailingWhitespaceClaudeRefuses(Provider provider) throws Exception {
        provider.script(ScriptedAnswer.text(List.of("blue."), "stop", 12, 2), false);
        HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"" + provider.model
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Name a colour.\"},{\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"The colour \"},{\"type\":\"text\",\"text\":\"is \\n\"}]}]}");

        assertEquals(200, response.statusCode(), response.body());
        JsonNode prefill = switch (provider) {
            case OPENAI -> JSON.readTree(openAi.received().get(0).body()).path("messages").path(1).path("content");
            case ANTHROPIC -> anthropic.received().get(0).json().path("messages").path(1).path("content");
            case BEDROCK -> bedrock.lastReceived().body().path("messages").path(1).path("content");
        };
        List<String> texts = new ArrayList<>();
        prefill.forEach(block -> texts.add(block.path("text").asText()));
        assertEquals(provider == Provider.OPENAI ? List.of("The colour ", "is \n") : List.of("The colour ", "is"),
                texts, "only the last text is trimmed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streamingOnly")
    void everyProviderStreamsIncrementally(Provider provider) throws Exception {
        List<String> words = List.of("one", " two", " three", " four", " five", " six", " seven", " eight",
                " nine", " ten");
        ScriptedAnswer answer = ScriptedAnswer.text(words, "stop", 9, 10);
        // Each upstream sends its answer in events 250 ms apart, the last after about 3 s.
        switch (provider) {
            case OPENAI -> openAi.then(FakeOpenAi.sse(250, answer.openAiChunks()));
            case ANTHROPIC -> anthropic.then(anthropic.reply(answer.anthropic().delayed(200)));
            case BEDROCK -> {
                bedrock.stream(BEDROCK_MODEL_ID, answer.bedrockFrames());
                bedrock.frameDelayMillis(250);
            }
            default -> throw new IllegalStateException();
        }
        try {
            StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions", "{\"model\":\""
                    + provider.model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Count\"}]}");
            assertEquals(200, stream.status());
            assertTrue(stream.totalMillis() >= 2_800, provider + ": the stream lasted " + stream.totalMillis());
            assertTrue(stream.firstContentMillis() >= 0 && stream.firstContentMillis() < 1_500,
                    provider + ": first content after " + stream.firstContentMillis() + " ms");
            assertEquals(String.join("", words), stream.openAiText());
        } finally {
            bedrock.frameDelayMillis(0);
        }
    }

    static Stream<Provider> streamingOnly() {
        return Stream.of(Provider.values());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streamingOnly")
    void theToolResultGoesBackToEachProviderInItsOwnTerms(Provider provider) throws Exception {
        // The client's round trip: the tool call it was given, then its tool result.
        ScriptedAnswer call = ScriptedAnswer.toolCall(new Call("get_weather", List.of("{\"city\":\"Paris\"}")), 80, 20);
        provider.script(call, false);
        HttpResponse<String> first = gateway.post("/v1/chat/completions", "{\"model\":\"" + provider.model + "\","
                + "\"tools\":[" + WEATHER_TOOL + "],\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}]}");
        assertEquals(200, first.statusCode(), first.body());
        JsonNode message = JSON.readTree(first.body()).path("choices").path(0).path("message");
        String callId = message.path("tool_calls").path(0).path("id").asText();

        ScriptedAnswer done = ScriptedAnswer.text(List.of("It is 18 degrees."), "stop", 100, 6);
        provider.script(done, false);
        HttpResponse<String> second = gateway.post("/v1/chat/completions", "{\"model\":\"" + provider.model + "\","
                + "\"tools\":[" + WEATHER_TOOL + "],\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + message + ",{\"role\":\"tool\",\"tool_call_id\":\"" + callId + "\",\"content\":\"18C\"}]}");
        assertEquals(200, second.statusCode(), second.body());
        assertEquals("It is 18 degrees.",
                JSON.readTree(second.body()).path("choices").path(0).path("message").path("content").asText());

        switch (provider) {
            case OPENAI -> {
                JsonNode sent = JSON.readTree(openAi.received().get(openAi.received().size() - 1).body());
                assertEquals(callId, sent.path("messages").path(1).path("tool_calls").path(0).path("id").asText());
                assertEquals(callId, sent.path("messages").path(2).path("tool_call_id").asText());
            }
            case ANTHROPIC -> {
                FakeAnthropic.Received sent = anthropic.received().get(anthropic.received().size() - 1);
                assertEquals(200, sent.status());
                JsonNode messages = sent.json().path("messages");
                assertEquals(callId, messages.path(1).path("content").path(0).path("id").asText());
                assertEquals(callId, messages.path(2).path("content").path(0).path("tool_use_id").asText());
            }
            case BEDROCK -> {
                JsonNode messages = bedrock.lastReceived().body().path("messages");
                assertEquals(callId, messages.path(1).path("content").path(0).path("toolUse").path("toolUseId")
                        .asText());
                assertEquals(callId, messages.path(2).path("content").path(0).path("toolResult").path("toolUseId")
                        .asText());
            }
            default -> throw new IllegalStateException();
        }
    }

    static Stream<Arguments> refusals() {
        return Stream.of(Arguments.of(400, "invalid_request_error"), Arguments.of(429, "rate_limit_error"));
    }

    /** An upstream's refusal reaches the client as the same OpenAI error: status, type and fields. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("refusals")
    void anUpstreamRefusalLooksTheSameToTheClient(int status, String type) throws Exception {
        String message = status == 400 ? "temperature: 2.5 is not less or equal to 1.0" : "Too many requests";
        openAi.then(FakeOpenAi.json(status, "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type
                + "\",\"param\":null,\"code\":null}}"));
        anthropic.then(FakeAnthropic.error(status, type, message));
        String bedrockModel = status == 400 ? "bedrock/error-validation" : "bedrock/error-throttling";
        Map<String, String> models = new LinkedHashMap<>();
        models.put("openai", Provider.OPENAI.model);
        models.put("anthropic", Provider.ANTHROPIC.model);
        models.put("bedrock", bedrockModel);
        Map<String, JsonNode> seen = new LinkedHashMap<>();
        for (Map.Entry<String, String> model : models.entrySet()) {
            HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"" + model.getValue()
                    + "\",\"temperature\":0.5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
            JsonNode error = JSON.readTree(response.body());
            ObjectNode shape = JSON.createObjectNode().put("status", response.statusCode())
                    .put("content-type", response.headers().firstValue("content-type").orElse(""));
            shape.set("fields", JSON.valueToTree(List.copyOf(iterable(error.fieldNames()))));
            shape.set("error fields", JSON.valueToTree(List.copyOf(iterable(error.path("error").fieldNames()))));
            shape.put("type", error.path("error").path("type").asText());
            shape.put("message is text", error.path("error").path("message").isTextual());
            shape.put("says why", error.path("error").path("message").asText().contains(message));
            seen.put(model.getKey(), shape);
        }
        JsonNode reference = seen.get("openai");
        assertEquals(status, reference.path("status").asInt(), reference.toString());
        assertEquals(1, openAi.received().size(), "a refusal is not resent by the HTTP client");
        assertEquals(1, anthropic.received().size(), "a refusal is not resent by the HTTP client");
        assertEquals(1, bedrock.received().size(), "a refusal is not resent by the SDK");
        assertEquals(type, reference.path("type").asText());
        seen.forEach((provider, shape) -> assertEquals(reference, shape, provider + " differs from openai"));
    }

    private static List<String> iterable(Iterator<String> names) {
        List<String> out = new ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }

    private static JsonNode answered(Provider provider, Case request) throws Exception {
        HttpResponse<String> response = gateway.post(request.path(), request.bodyFor(provider));
        assertEquals(200, response.statusCode(), provider + ": " + response.body());
        assertEquals(provider.name().toLowerCase(), response.headers().firstValue("x-caravan-provider").orElseThrow());
        assertEquals(0, provider.refusedRequests(), provider + " refused a request");
        ObjectNode seen = JSON.createObjectNode();
        seen.put("content-type", response.headers().firstValue("content-type").orElse(""));
        seen.set("body", shape(JSON.readTree(response.body())));
        return seen;
    }

    private static JsonNode streamed(Provider provider, Case request) throws Exception {
        StreamCapture stream = StreamCapture.post(gateway, request.path(), request.bodyFor(provider));
        assertEquals(200, stream.status(), provider + ": " + stream.data());
        assertEquals(provider.name().toLowerCase(), stream.header("x-caravan-provider"));
        assertEquals(0, provider.refusedRequests(), provider + " refused a request");
        ObjectNode seen = JSON.createObjectNode();
        seen.put("content-type", stream.header("content-type"));
        ArrayNode events = seen.putArray("events");
        for (String data : stream.data()) {
            events.add("[DONE]".equals(data) ? TextNode.valueOf(data) : shape(JSON.readTree(data)));
        }
        return seen;
    }

    /** The answer's usage (a stream's is in its last chunk before [DONE]), taken out of {@code seen} to be read alone. */
    private static String takeUsage(JsonNode seen, boolean stream) {
        JsonNode withUsage = stream ? seen.path("events").get(seen.path("events").size() - 2) : seen.path("body");
        return ((ObjectNode) withUsage).remove("usage").toString();
    }

    /** The JSON with the values of {@link #VOLATILE} fields replaced by their type; all else kept as it is. */
    private static JsonNode shape(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (VOLATILE.contains(field.getKey())) {
                    out.set(field.getKey(), TextNode.valueOf("<" + field.getValue().getNodeType() + ">"));
                } else if ("arguments".equals(field.getKey()) && complete(field.getValue().asText())) {
                    // Anthropic and Bedrock hand a finished tool call's input over as an object, so only its
                    // meaning survives, not the model's spacing: complete arguments are compared as JSON.
                    out.set(field.getKey(), parse(field.getValue().asText()));
                } else {
                    out.set(field.getKey(), shape(field.getValue()));
                }
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JSON.createArrayNode();
            node.forEach(element -> out.add(shape(element)));
            return out;
        }
        return node;
    }

    private static boolean complete(String json) {
        return parse(json) != null;
    }

    private static JsonNode parse(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            return node != null && node.isObject() ? node : null;
        } catch (java.io.IOException partial) {
            return null;
        }
    }

    private static void assertSame(Map<Provider, JsonNode> seen) {
        List<String> differences = new ArrayList<>();
        JsonNode reference = seen.get(Provider.OPENAI);
        seen.forEach((provider, shape) -> {
            if (!reference.equals(shape)) {
                differences.add(provider + " differs from OPENAI:\n  openai:  " + reference + "\n  "
                        + provider.name().toLowerCase() + ": " + shape);
            }
        });
        assertTrue(differences.isEmpty(), String.join("\n", differences));
    }
}
