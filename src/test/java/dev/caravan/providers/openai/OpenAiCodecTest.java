package dev.caravan.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.api.Json;
import dev.caravan.api.OpenAiRequestParser;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.ContentPart;
import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.ToolCall;
import dev.caravan.core.ToolChoice;
import dev.caravan.core.ToolDefinition;
import dev.caravan.core.Usage;
import dev.caravan.providers.StreamDecoder;
import dev.caravan.streaming.SseEvent;
import dev.caravan.streaming.SseReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAI codec against recorded wire samples (fixtures/openai). */
class OpenAiCodecTest {

    private final OpenAiCodec codec = new OpenAiCodec();
    private final OpenAiRequestParser parser = new OpenAiRequestParser();

    // ---- encodeRequest -------------------------------------------------------------------------------------

    @Test
    void forwardsEveryFieldTheCallerSentUnchangedExceptModelAndIncludeUsage() {
        byte[] wire = OpenAiFixtures.bytes("request-stream-with-extras.json");
        ChatRequest request = parser.parse(wire);

        JsonNode sent = read(codec.encodeRequest(request, "gpt-4.1-2025-04-14"));

        ObjectNode expected = (ObjectNode) read(wire);
        expected.put("model", "gpt-4.1-2025-04-14");
        ((ObjectNode) expected.get("stream_options")).put("include_usage", true);
        assertEquals(expected, sent);
        for (String field : List.of("seed", "response_format", "logprobs", "top_logprobs", "tools",
                "parallel_tool_calls", "logit_bias", "metadata", "store", "service_tier", "frequency_penalty",
                "presence_penalty", "tool_choice", "user")) {
            assertEquals(expected.get(field), sent.get(field), field);
        }
    }

    @Test
    void keepsTheCallersOtherStreamOptionsWhenForcingIncludeUsage() {
        ChatRequest request = parser.parse(OpenAiFixtures.bytes("request-stream-with-extras.json"));

        JsonNode options = read(codec.encodeRequest(request, "gpt-4.1")).get("stream_options");

        assertEquals(read("{\"include_usage\":true,\"include_obfuscation\":false}"), options);
    }

    @Test
    void neverModifiesTheCallersOriginalRequest() {
        ChatRequest request = parser.parse(OpenAiFixtures.bytes("request-stream-with-extras.json"));
        ObjectNode before = request.original().deepCopy();

        codec.encodeRequest(request, "gpt-4.1");

        assertEquals(before, request.original());
        assertEquals("smart", request.original().get("model").asText());
    }

    @Test
    void claudesReasoningSentBackOnAnAssistantMessageIsLeftOutForOpenAiWhichRefusesIt() {
        String reasoning = "\"reasoning_content\":\"2+2\",\"thinking_blocks\":[{\"type\":\"thinking\","
                + "\"thinking\":\"2+2\",\"signature\":\"EqQB\"}]";
        ChatRequest request = parser.parse(bytes("{\"model\":\"gpt-4o\",\"reasoning_effort\":\"low\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"2+2?\"},{\"role\":\"assistant\",\"content\":\"4\"," + reasoning
                + "},{\"role\":\"user\",\"content\":\"and 3+3?\"}]}"));
        ObjectNode before = request.original().deepCopy();

        JsonNode sent = read(codec.encodeRequest(request, "o4-mini"));

        assertEquals(read("{\"model\":\"o4-mini\",\"reasoning_effort\":\"low\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"2+2?\"},{\"role\":\"assistant\",\"content\":\"4\"},"
                + "{\"role\":\"user\",\"content\":\"and 3+3?\"}]}"), sent);
        assertEquals(before, request.original());
    }

    @Test
    void asksForUsageOnAStreamWhoseCallerDidNotAskForIt() {
        ChatRequest request = parser.parse(bytes("{\"model\":\"gpt-4o\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        JsonNode sent = read(codec.encodeRequest(request, "gpt-4o-2024-08-06"));

        assertEquals(read("{\"model\":\"gpt-4o-2024-08-06\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), sent);
    }

    @Test
    void dropsStreamOptionsFromARequestThatDoesNotStream() {
        ChatRequest request = parser.parse(bytes("{\"model\":\"gpt-4o\",\"stream\":false,"
                + "\"stream_options\":{\"include_usage\":true},\"seed\":7,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        JsonNode sent = read(codec.encodeRequest(request, "gpt-4o"));

        assertEquals(read("{\"model\":\"gpt-4o\",\"stream\":false,\"seed\":7,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), sent);
    }

    @Test
    void buildsTheWholeRequestWhenThereIsNoOriginal() {
        ObjectNode schema = (ObjectNode) read("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}");
        ChatRequest request = new ChatRequest("summary", List.of(
                ChatMessage.of("system", "Be brief."),
                new ChatMessage("user", List.of(ContentPart.text("What is this? "),
                        ContentPart.image("data:image/png;base64,iVBORw0KGgo=")), List.of(), null, "ana"),
                new ChatMessage("assistant", List.of(), List.of(new ToolCall("call_1", "get_weather",
                        "{\"city\":\"Fez\"}")), null, null),
                new ChatMessage("tool", List.of(ContentPart.text("{\"celsius\":28}")), List.of(), "call_1", null),
                ChatMessage.of("user", "Thanks")),
                256, 0.7, 0.95, List.of("END", "STOP"), false, false,
                List.of(new ToolDefinition("get_weather", "Weather by city", schema),
                        new ToolDefinition("ping", null, null)),
                ToolChoice.function("get_weather"), "u-1", null);

        JsonNode sent = read(codec.encodeRequest(request, "gpt-3.5-turbo"));

        assertEquals(read("""
                {"messages":[
                  {"role":"system","content":"Be brief."},
                  {"role":"user","content":[
                    {"type":"text","text":"What is this? "},
                    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}],"name":"ana"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Fez\\"}"}}]},
                  {"role":"tool","content":"{\\"celsius\\":28}","tool_call_id":"call_1"},
                  {"role":"user","content":"Thanks"}],
                 "max_completion_tokens":256,"temperature":0.7,"top_p":0.95,"stop":["END","STOP"],
                 "tools":[
                   {"type":"function","function":{"name":"get_weather","description":"Weather by city",
                     "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                   {"type":"function","function":{"name":"ping"}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}},
                 "user":"u-1","model":"gpt-3.5-turbo"}
                """), sent);
    }

    @ParameterizedTest(name = "tool_choice {0} is sent as {1}")
    @MethodSource
    void sendsEachToolChoiceForm(ToolChoice choice, String json) {
        ChatRequest request = new ChatRequest("gpt-4o", List.of(ChatMessage.of("user", "hi")), null, null, null,
                null, false, false, null, choice, null, null);

        assertEquals(read(json), read(codec.encodeRequest(request, "gpt-4o")).get("tool_choice"));
    }

    static Stream<Arguments> sendsEachToolChoiceForm() {
        return Stream.of(Arguments.of(ToolChoice.AUTO, "\"auto\""), Arguments.of(ToolChoice.NONE, "\"none\""),
                Arguments.of(ToolChoice.REQUIRED, "\"required\""),
                Arguments.of(ToolChoice.function("f"), "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}"));
    }

    @Test
    void aSimpleStreamingRequestWithoutOriginalAsksForUsageAndLeavesOutWhatWasNotGiven() {
        ChatRequest request = new ChatRequest("mock-echo", List.of(ChatMessage.of("user", "hi")), null, null, null,
                null, true, true, null, null, null, null);

        assertEquals(read("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"gpt-4o-mini\","
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}"),
                read(codec.encodeRequest(request, "gpt-4o-mini")));
    }

    // ---- decodeResponse ------------------------------------------------------------------------------------

    @Test
    void decodesATextAnswerWithCachedAndReasoningTokens() {
        ChatResponse answer = codec.decodeResponse(OpenAiFixtures.bytes("response-text.json"));

        assertEquals("chatcmpl-CaRvN4x7Qm2pLs8TzYw1Hk3Ue9bDf", answer.id());
        assertEquals("o4-mini-2025-04-16", answer.model());
        assertEquals("A caravan is a group of travellers journeying together, often across a desert.",
                answer.content());
        assertEquals(List.of(), answer.toolCalls());
        assertEquals("stop", answer.finishReason());
        assertEquals(new Usage(2006, 300, 1920, 0, 192), answer.usage());
        assertEquals(2306, answer.usage().totalTokens());
    }

    @Test
    void decodesAnAnswerWithParallelToolCallsAndNoText() {
        ChatResponse answer = codec.decodeResponse(OpenAiFixtures.bytes("response-tool-calls.json"));

        assertNull(answer.content());
        assertEquals(List.of(
                new ToolCall("call_9XkQ2mVbT4rLp7sNw1YhC3dE", "get_weather",
                        "{\"city\":\"Marrakesh\",\"unit\":\"celsius\"}"),
                new ToolCall("call_Ht5Ua8Zo0PqWe2Rf6Ys9Ij1K", "get_time", "{\"timezone\":\"Africa/Casablanca\"}")),
                answer.toolCalls());
        assertEquals("tool_calls", answer.finishReason());
        assertEquals(new Usage(148, 52, 0, 0, 0), answer.usage());
    }

    @Test
    void anAnswerWithoutLogprobsCitationsOrAudioPassesNothingThrough() {
        // response-text.json has "logprobs": null and "annotations": [], as OpenAI sends them on every answer
        assertNull(codec.decodeResponse(OpenAiFixtures.bytes("response-text.json")).passThrough());
        assertNull(codec.decodeResponse(OpenAiFixtures.bytes("response-tool-calls.json")).passThrough());
    }

    @Test
    void passesTheChoicesLogprobsThrough() {
        byte[] wire = OpenAiFixtures.bytes("response-logprobs.json");

        ChatResponse answer = codec.decodeResponse(wire);

        assertEquals("Hello!", answer.content());
        JsonNode expected = read(wire).at("/choices/0/logprobs");
        assertEquals(Json.MAPPER.createObjectNode().set("logprobs", expected), answer.passThrough());
    }

    @Test
    void passesTheMessagesUrlCitationsThrough() {
        byte[] wire = OpenAiFixtures.bytes("response-url-citations.json");

        ChatResponse answer = codec.decodeResponse(wire);

        JsonNode annotations = read(wire).at("/choices/0/message/annotations");
        assertEquals("url_citation", annotations.path(0).path("type").asText());
        assertEquals(read("{\"message\":{\"annotations\":" + annotations + "}}"), answer.passThrough());
    }

    @Test
    void passesTheMessagesAudioThroughAndItsContentStaysNull() {
        byte[] wire = OpenAiFixtures.bytes("response-audio.json");

        ChatResponse answer = codec.decodeResponse(wire);

        assertNull(answer.content());
        assertEquals(read("{\"message\":{\"audio\":" + read(wire).at("/choices/0/message/audio") + "}}"),
                answer.passThrough());
    }

    @ParameterizedTest(name = "finish_reason {0} is kept")
    @CsvSource({"stop", "length", "tool_calls", "content_filter"})
    void keepsEveryFinishReason(String reason) {
        ChatResponse answer = codec.decodeResponse(bytes("{\"id\":\"x\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"a\"},\"finish_reason\":\"" + reason + "\"}]}"));

        assertEquals(reason, answer.finishReason());
        assertEquals(Usage.NONE, answer.usage());
    }

    @ParameterizedTest(name = "an answer {0} is a retryable 502")
    @CsvSource(delimiter = '|', value = {
            "without choices                 | {\"id\":\"x\",\"choices\":[]}",
            "that is not JSON                | <html>oops</html>",
            "that is empty                   | ''",
            "that is a JSON array            | []"})
    void rejectsAnAnswerItCannotRead(String what, String body) {
        GatewayException error = assertThrows(GatewayException.class, () -> codec.decodeResponse(bytes(body)));

        assertEquals(502, error.status());
        assertEquals("upstream_unavailable", error.code());
        assertTrue(error.retryable());
    }

    // ---- decodeError ---------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // fixture                              | status | type                  | code                    | param    | retryable | retry after ms | message starts with
            "error-400-context-length-exceeded.http | 400    | invalid_request_error | context_length_exceeded | messages | false     | 0    | This model's maximum context length is 128000 tokens.",
            "error-401-invalid-api-key.http         | 502    | upstream_error        | upstream_credentials_refused | - | true      | 0    | openai: the provider refused the gateway's credentials (HTTP 401)",
            "error-404-model-not-found.http         | 404    | invalid_request_error | model_not_found         | -        | false     | 0    | The model `gpt-4.5-turbo` does not exist",
            "error-429-rate-limit.http              | 429    | tokens                | rate_limit_exceeded     | -        | true      | 3890 | Rate limit reached for gpt-4.1",
            "error-429-insufficient-quota.http      | 502    | upstream_error        | upstream_billing_refused | -       | true      | 0    | openai: the provider refused the gateway's account for its billing",
            "error-500-server-error.http            | 502    | upstream_error        | upstream_500            | -        | true      | 0    | openai: upstream answered HTTP 500: The server had an error",
            "error-502-bad-gateway.http             | 502    | upstream_error        | upstream_502            | -        | true      | 0    | openai: upstream answered HTTP 502: "})
    void mapsEachRecordedErrorAnswer(String fixture, int status, String type, String code, String param,
                                     boolean retryable, long retryAfterMillis, String message) {
        OpenAiFixtures.HttpAnswer answer = OpenAiFixtures.http(fixture);

        GatewayException error = codec.decodeError(answer.status(), answer.body(), answer::header);

        assertEquals(status, error.status());
        assertEquals(type, error.type());
        assertEquals(code, error.code());
        assertEquals(param, error.param());
        assertEquals(retryable, error.retryable());
        assertEquals(retryAfterMillis, error.retryAfterMillis());
        assertTrue(error.getMessage().startsWith(message), error.getMessage());
    }

    @Test
    void aRefusedKeyQuotesNoneOfOpenAisMessageWhichShowsPartOfTheKey() {
        OpenAiFixtures.HttpAnswer answer = OpenAiFixtures.http("error-401-invalid-api-key.http");

        GatewayException error = codec.decodeError(answer.status(), answer.body(), answer::header);

        assertFalse(error.getMessage().contains("Xq2w"), error.getMessage());
        assertFalse(error.getMessage().contains("Incorrect API key"), error.getMessage());
    }

    @Test
    void anHtmlErrorPageStillGivesAMessageThatSaysWhatHappened() {
        OpenAiFixtures.HttpAnswer answer = OpenAiFixtures.http("error-502-bad-gateway.http");

        GatewayException error = codec.decodeError(answer.status(), answer.body(), answer::header);

        assertTrue(error.getMessage().contains("HTTP 502"), error.getMessage());
        assertTrue(error.getMessage().contains("502 Bad Gateway"), error.getMessage());
    }

    @ParameterizedTest(name = "HTTP {0} with body {1} -> {2} {3}, retryable {4}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "408 | ''                                                  | 408 | rate_limited | true  | upstream answered HTTP 408",
            "429 | {\"error\":{\"message\":\"slow down\"}}            | 429 | rate_limited | true  | slow down",
            "403 | {\"error\":{\"message\":\"no\",\"code\":null}}     | 502 | upstream_access_denied | true | openai: the provider refused the gateway access (HTTP 403); the gateway's key may not use this model, or its access needs fixing",
            "503 | -                                                   | 502 | upstream_503 | true  | openai: upstream answered HTTP 503: upstream answered HTTP 503",
            "504 | upstream request timeout                            | 502 | upstream_504 | true  | openai: upstream answered HTTP 504: upstream request timeout",
            "422 | \"just a string\"                                  | 422 | -            | false | upstream answered HTTP 422"})
    void mapsErrorAnswersThatAreNotRecordedFixtures(int status, String body, int expectedStatus, String code,
                                                    boolean retryable, String message) {
        GatewayException error = codec.decodeError(status, body == null ? null : bytes(body), name -> null);

        assertEquals(expectedStatus, error.status());
        assertEquals(code, error.code());
        assertEquals(retryable, error.retryable());
        assertEquals(message, error.getMessage());
    }

    @ParameterizedTest(name = "retry-after {0}, retry-after-ms {1} -> {2} ms")
    @CsvSource(nullValues = "-", value = {
            "-,                              -,      0",
            "4,                              -,      4000",
            "1.5,                            -,      1500",
            "4,                              3890,   3890",
            "-,                              250.7,  250",
            "3600,                           -,      60000",
            "-,                              999999, 60000",
            "'Wed, 21 Oct 2015 07:28:00 GMT', -,     0",
            "-3,                             -,      0",
            "-,                              -250,   0",
            "2,                              soon,   2000"})
    void readsRetryAfterFromEitherHeaderCappedAtAMinute(String seconds, String millis, long expected) {
        Map<String, String> headers = new HashMap<>();
        if (seconds != null) {
            headers.put("retry-after", seconds);
        }
        if (millis != null) {
            headers.put("retry-after-ms", millis);
        }

        GatewayException error = codec.decodeError(429, bytes("{\"error\":{\"message\":\"slow down\","
                + "\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"), headers::get);

        assertEquals(expected, error.retryAfterMillis());
    }

    /** HTTP's Retry-After is as much a 503's as a 429's (RFC 9110): every answer another attempt may cure keeps it. */
    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {408, 429, 500, 502, 503, 504})
    void keepsTheRetryAfterOfEveryAnswerAnotherAttemptMayCure(int status) {
        GatewayException error = codec.decodeError(status, bytes("{\"error\":{\"message\":\"busy\"}}"),
                Map.of("retry-after", "2")::get);

        assertTrue(error.retryable());
        assertEquals(2_000, error.retryAfterMillis());
    }

    // ---- streams -------------------------------------------------------------------------------------------

    @Test
    void decodesATextStreamEndingWithAUsageChunkAndDone() throws IOException {
        Decoded decoded = decode("stream-text.sse");

        assertEquals(List.of(
                new StreamEvent.Started("chatcmpl-CaRxQ7w8E9r0T1y2U3i4O5p6AsDfG"),
                new StreamEvent.TextDelta("Hello"),
                new StreamEvent.TextDelta(", caravan"),
                new StreamEvent.TextDelta(" \u2014 d\u00e9j\u00e0 vu \uD83D\uDC2A\n"),
                new StreamEvent.Finished("stop"),
                new StreamEvent.UsageReport(new Usage(1317, 9, 1280, 0, 0))), decoded.events);
        assertTrue(decoded.finished);
        assertEquals(7, decoded.wireEvents, "six chunks and [DONE]");
    }

    @Test
    void eachTextDeltaCarriesItsChunksLogprobs() throws IOException {
        List<String> chunks = new ArrayList<>();
        SseReader reader = new SseReader(new ByteArrayInputStream(OpenAiFixtures.bytes("stream-logprobs.sse")));
        for (SseEvent event = reader.next(); event != null; event = reader.next()) {
            chunks.add(event.data());
        }

        List<StreamEvent> texts = decode("stream-logprobs.sse").events.stream()
                .filter(e -> e instanceof StreamEvent.TextDelta).toList();

        assertEquals(2, texts.size(), "the first chunk's empty content is no delta");
        for (int i = 0; i < 2; i++) {
            StreamEvent.TextDelta text = (StreamEvent.TextDelta) texts.get(i);
            JsonNode logprobs = read(chunks.get(i + 1)).at("/choices/0/logprobs");
            assertEquals(logprobs.at("/content/0/token").asText(), text.text());
            assertEquals(Json.MAPPER.createObjectNode().set("logprobs", logprobs), text.passThrough());
        }
    }

    @Test
    void aRefusalDeltaCarriesItsChunksLogprobs() {
        List<StreamEvent> events = codec.newStreamDecoder().decode(new SseEvent(null, "{\"id\":\"chatcmpl-x\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"refusal\":\"I can't\"},\"logprobs\":{\"content\":null,"
                + "\"refusal\":[{\"token\":\"I can't\",\"logprob\":-0.01,\"bytes\":[73],\"top_logprobs\":[]}]},"
                + "\"finish_reason\":null}]}"));

        StreamEvent.RefusalDelta refusal = assertInstanceOf(StreamEvent.RefusalDelta.class, events.get(1));
        assertEquals("I can't", refusal.passThrough().at("/logprobs/refusal/0/token").asText());
    }

    @Test
    void eachAudioChunkOfAStreamIsPassedThroughAsOpenAiSentIt() throws IOException {
        List<JsonNode> chunks = chunks("stream-audio.sse");

        List<StreamEvent> events = decode("stream-audio.sse").events;

        List<StreamEvent> audio = events.stream().filter(e -> e instanceof StreamEvent.PassThroughDelta).toList();
        assertEquals(6, audio.size(), events.toString());
        for (int i = 0; i < audio.size(); i++) {
            assertEquals(read("{\"delta\":{\"audio\":" + chunks.get(i).at("/choices/0/delta/audio") + "}}"),
                    ((StreamEvent.PassThroughDelta) audio.get(i)).passThrough());
        }
        assertInstanceOf(StreamEvent.PassThroughDelta.class, events.get(1), "the audio begins the answer");
        assertTrue(events.stream().noneMatch(e -> e instanceof StreamEvent.TextDelta), "its content is null");
    }

    @Test
    void urlCitationsSentAfterAStreamsTextArePassedThrough() throws IOException {
        JsonNode annotations = chunks("stream-url-citations.sse").get(3).at("/choices/0/delta/annotations");

        List<StreamEvent> events = decode("stream-url-citations.sse").events;

        assertEquals(new StreamEvent.PassThroughDelta((ObjectNode) read("{\"delta\":{\"annotations\":"
                + annotations + "}}")), events.get(3));
        assertEquals(new StreamEvent.Finished("stop"), events.get(4));
    }

    @Test
    void citationsInTheFinishingChunkComeBeforeTheFinish() {
        List<StreamEvent> events = codec.newStreamDecoder().decode(new SseEvent(null, "{\"id\":\"chatcmpl-x\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"annotations\":[{\"type\":\"url_citation\","
                + "\"url_citation\":{\"end_index\":3,\"start_index\":0,\"title\":\"T\","
                + "\"url\":\"https://x.example/\"}}]},"
                + "\"logprobs\":null,\"finish_reason\":\"stop\"}]}"));

        assertEquals(3, events.size(), events.toString());
        assertEquals("https://x.example/", assertInstanceOf(StreamEvent.PassThroughDelta.class, events.get(1))
                .passThrough().at("/delta/annotations/0/url_citation/url").asText());
        assertEquals(new StreamEvent.Finished("stop"), events.get(2));
    }

    @Test
    void aChunkWithOnlyLogprobsAndNoTextIsNoEvent() throws IOException {
        // OpenAI's first chunk of a stream with logprobs: empty content, "logprobs":{"content":[],"refusal":null}
        List<StreamEvent> events = decode("stream-logprobs.sse").events;

        assertEquals(new StreamEvent.Started("chatcmpl-CbLs4Gh7Jk2Lm5Np8Qr1St4Uv7Wx"), events.get(0));
        assertInstanceOf(StreamEvent.TextDelta.class, events.get(1));
        assertTrue(events.stream().noneMatch(e -> e instanceof StreamEvent.PassThroughDelta), events.toString());
    }

    @Test
    void decodesAToolCallStreamPieceByPiece() throws IOException {
        Decoded decoded = decode("stream-tool-calls.sse");

        assertEquals(List.of(
                new StreamEvent.Started("chatcmpl-CaRyH2j3K4l5Z6x7C8v9B0nM1qWeR"),
                new StreamEvent.ToolCallDelta(0, "call_9XkQ2mVbT4rLp7sNw1YhC3dE", "get_weather", ""),
                new StreamEvent.ToolCallDelta(0, null, null, "{\""),
                new StreamEvent.ToolCallDelta(0, null, null, "city"),
                new StreamEvent.ToolCallDelta(0, null, null, "\":\""),
                new StreamEvent.ToolCallDelta(0, null, null, "Mar"),
                new StreamEvent.ToolCallDelta(0, null, null, "rakesh"),
                new StreamEvent.ToolCallDelta(0, null, null, "\"}"),
                new StreamEvent.ToolCallDelta(1, "call_Ht5Ua8Zo0PqWe2Rf6Ys9Ij1K", "get_time", ""),
                new StreamEvent.ToolCallDelta(1, null, null, "{\"timezone\":"),
                new StreamEvent.ToolCallDelta(1, null, null, "\"Africa/Casablanca\"}"),
                new StreamEvent.Finished("tool_calls"),
                new StreamEvent.UsageReport(new Usage(148, 52, 0, 0, 0))), decoded.events);
        assertTrue(decoded.finished);
    }

    @Test
    void theArgumentPiecesOfEachToolCallJoinIntoItsArguments() throws IOException {
        Map<Integer, StringBuilder> arguments = new HashMap<>();
        for (StreamEvent event : decode("stream-tool-calls.sse").events) {
            if (event instanceof StreamEvent.ToolCallDelta call) {
                arguments.computeIfAbsent(call.index(), i -> new StringBuilder()).append(call.argumentsDelta());
            }
        }

        assertEquals(read("{\"city\":\"Marrakesh\"}"), read(arguments.get(0).toString()));
        assertEquals(read("{\"timezone\":\"Africa/Casablanca\"}"), read(arguments.get(1).toString()));
    }

    @Test
    void startsOnlyOnceAndIsNotFinishedBeforeDone() throws IOException {
        StreamDecoder decoder = codec.newStreamDecoder();
        SseReader reader = new SseReader(new ByteArrayInputStream(OpenAiFixtures.bytes("stream-text.sse")));
        int started = 0;
        for (SseEvent event = reader.next(); event != null; event = reader.next()) {
            assertFalse(decoder.finished(), "finished before " + event.data());
            started += (int) decoder.decode(event).stream().filter(e -> e instanceof StreamEvent.Started).count();
        }
        assertEquals(1, started);
        assertTrue(decoder.finished());
    }

    @Test
    void anErrorEventInTheStreamFailsItWithARetryableUpstreamError() throws IOException {
        Decoded decoded = decode("stream-error.sse");

        assertEquals(3, decoded.events.size());
        assertEquals(new StreamEvent.Started("chatcmpl-CaRzP9o8I7u6Y5t4R3e2W1qAzXsDc"), decoded.events.get(0));
        assertEquals(new StreamEvent.TextDelta("Once upon"), decoded.events.get(1));
        GatewayException error = assertInstanceOf(StreamEvent.Failed.class, decoded.events.get(2)).error();
        assertEquals(502, error.status());
        assertEquals("upstream_error", error.type());
        assertEquals("upstream_error", error.code());
        assertTrue(error.retryable());
        assertEquals("openai: The server had an error while processing your request. Sorry about that!",
                error.getMessage());
        assertFalse(decoded.finished);
    }

    @Test
    void anErrorEventKeepsItsCodeWhenItHasOne() {
        List<StreamEvent> events = codec.newStreamDecoder().decode(new SseEvent(null,
                "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}"));

        GatewayException error = assertInstanceOf(StreamEvent.Failed.class, events.get(0)).error();
        assertEquals("rate_limit_exceeded", error.code());
        assertEquals(1, events.size(), "no Started for a stream that failed at once");
    }

    @Test
    void aStreamEventThatIsNotJsonFailsTheStream() {
        List<StreamEvent> events = codec.newStreamDecoder().decode(new SseEvent(null, "{\"id\":\"chatcmpl-x\""));

        GatewayException error = assertInstanceOf(StreamEvent.Failed.class, events.get(0)).error();
        assertEquals(502, error.status());
        assertTrue(error.retryable());
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private record Decoded(List<StreamEvent> events, boolean finished, int wireEvents) {
    }

    private Decoded decode(String fixture) throws IOException {
        StreamDecoder decoder = codec.newStreamDecoder();
        SseReader reader = new SseReader(new ByteArrayInputStream(OpenAiFixtures.bytes(fixture)));
        List<StreamEvent> events = new ArrayList<>();
        int wire = 0;
        for (SseEvent event = reader.next(); event != null; event = reader.next()) {
            wire++;
            events.addAll(decoder.decode(event));
        }
        return new Decoded(events, decoder.finished(), wire);
    }

    /** A fixture stream's chunks, parsed, without its {@code [DONE]}. */
    private static List<JsonNode> chunks(String fixture) throws IOException {
        List<JsonNode> chunks = new ArrayList<>();
        SseReader reader = new SseReader(new ByteArrayInputStream(OpenAiFixtures.bytes(fixture)));
        for (SseEvent event = reader.next(); event != null; event = reader.next()) {
            if (!"[DONE]".equals(event.data())) {
                chunks.add(read(event.data()));
            }
        }
        return chunks;
    }

    private static JsonNode read(byte[] json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + new String(json, StandardCharsets.UTF_8), e);
        }
    }

    private static JsonNode read(String json) {
        return read(bytes(json));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
