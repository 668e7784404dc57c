package dev.caravan.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.models.Model;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeAnthropic.Thought;
import dev.caravan.support.FakeAnthropic.ToolUse;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official OpenAI Java SDK as a client of the running gateway: if this SDK reads our answers, streams, tool calls
 * and errors with its own types, so do the applications built on it. Claude's reasoning, which OpenAI's types do not
 * hold, it reads as the message's additional properties.
 */
class OpenAiSdkClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String ANTHROPIC_KEY = "sk-ant-sdk-test";
    private static final String SONNET = "claude-3-7-sonnet-20250219";
    private static final String SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";

    static FakeOpenAi openAi;
    static FakeAnthropic anthropic;
    static Gateway gateway;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        openAi = new FakeOpenAi();
        anthropic = new FakeAnthropic(ANTHROPIC_KEY);
        gateway = Gateway.start(Map.of("caravan.openai.base-url", openAi.baseUrl(),
                "caravan.openai.api-key", "sk-test", "caravan.anthropic.base-url", anthropic.baseUrl(),
                "caravan.anthropic.api-key", ANTHROPIC_KEY, "caravan.anthropic.retry.max-retries", "0"));
        client = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl() + "/v1").apiKey("any")
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        gateway.close();
        openAi.close();
        anthropic.close();
    }

    @BeforeEach
    void reset() {
        openAi.received().clear();
        openAi.always(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("Hello from the fake.", 12, 5)));
    }

    @Test
    void mockEchoAnswersTheLastUserMessageWithExactUsage() {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("mock-echo").addSystemMessage("You are terse")
                .addUserMessage("an earlier question").addAssistantMessage("an earlier answer")
                .addUserMessage("Say hello to the gateway").build());

        assertEquals(1, completion.choices().size());
        ChatCompletion.Choice choice = completion.choices().get(0);
        assertEquals("Say hello to the gateway", choice.message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, choice.finishReason());
        CompletionUsage usage = completion.usage().orElseThrow();
        // Mock tokens are words: 3 + 3 + 3 + 5 in the prompt, 5 in the answer.
        assertEquals(14, usage.promptTokens());
        assertEquals(5, usage.completionTokens());
        assertEquals(19, usage.totalTokens());
        completion.validate();
    }

    @Test
    void mockEchoStreamsTheLastUserMessageAndItsUsage() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("mock-echo")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .addUserMessage("stream these four words").build())) {
            stream.stream().forEach(chunk -> chunks.add(chunk.validate()));
        }

        assertEquals("stream these four words", text(chunks));
        assertEquals(ChatCompletionChunk.Choice.FinishReason.STOP, finishReason(chunks));
        CompletionUsage usage = usageOf(chunks);
        assertEquals(4, usage.promptTokens());
        assertEquals(4, usage.completionTokens());
        assertEquals(8, usage.totalTokens());
        for (ChatCompletionChunk chunk : chunks.subList(0, chunks.size() - 1)) {
            assertTrue(chunk.usage().isEmpty(), "only the last chunk carries usage: " + chunk);
        }
    }

    @Test
    void mockEchoStreamWithoutIncludeUsageHasNoUsageChunk() {
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("mock-echo").addUserMessage("no usage please").build())) {
            chunks = stream.stream().toList();
        }
        assertEquals("no usage please", text(chunks));
        assertTrue(chunks.stream().allMatch(chunk -> chunk.usage().isEmpty()));
    }

    @Test
    void openAiModelAnswersThroughTheGateway() throws Exception {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("Hi").build());

        assertEquals("Hello from the fake.", completion.choices().get(0).message().content().orElseThrow());
        CompletionUsage usage = completion.usage().orElseThrow();
        assertEquals(12, usage.promptTokens());
        assertEquals(5, usage.completionTokens());
        assertEquals(17, usage.totalTokens());
        assertEquals(1, openAi.received().size());
        assertEquals("Bearer sk-test", openAi.received().get(0).header("authorization"));
        assertFalse(openAi.received().get(0).headers().toString().contains("Bearer any"),
                "the SDK's key stays at the gateway");
    }

    @Test
    void openAiStreamReachesTheSdkIteratorIncrementallyWithTheUsageChunk() {
        // 6 words: role chunk, 6 content chunks, finish chunk, usage chunk, [DONE] = 10 events, 250 ms apart.
        List<String> words = List.of("one", " two", " three", " four", " five", " six");
        openAi.then(FakeOpenAi.sse(250, FakeOpenAi.streamChunks(words, 9)));
        long start = System.nanoTime();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        long firstChunkMillis;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("gpt-4o-mini")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .addUserMessage("Count").build());
             Stream<ChatCompletionChunk> items = stream.stream()) {
            Iterator<ChatCompletionChunk> iterator = items.iterator();
            chunks.add(iterator.next());
            firstChunkMillis = millisSince(start);
            iterator.forEachRemaining(chunks::add);
        }
        long totalMillis = millisSince(start);

        // The fake's last event leaves after about 2.5 s; the first must not wait for it.
        assertTrue(totalMillis >= 2_200, "the stream lasted only " + totalMillis + " ms");
        assertTrue(firstChunkMillis < 1_500, "the first chunk reached the SDK after " + firstChunkMillis + " ms");
        assertTrue(totalMillis - firstChunkMillis >= 1_000,
                "first chunk at " + firstChunkMillis + " ms, last at " + totalMillis + " ms: not incremental");

        chunks.forEach(ChatCompletionChunk::validate);
        assertEquals(String.join("", words), text(chunks));
        assertEquals(ChatCompletionChunk.Choice.FinishReason.STOP, finishReason(chunks));
        CompletionUsage usage = usageOf(chunks);
        assertEquals(9, usage.promptTokens());
        assertEquals(6, usage.completionTokens());
        assertEquals(15, usage.totalTokens());
    }

    @Test
    void toolCallsRoundTripThroughTheSdkTypes() throws Exception {
        openAi.then(FakeOpenAi.json(200, "{\"id\":\"chatcmpl-tool1\",\"object\":\"chat.completion\","
                + "\"created\":1732000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_abc123\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\",\\\"unit\\\":\\\"celsius\\\"}\"}}],\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":60,"
                + "\"completion_tokens\":18,\"total_tokens\":78},\"system_fingerprint\":\"fp_fake\"}"));

        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("What is the weather in Paris?")
                .addTool(weatherTool()).build());

        ChatCompletion.Choice choice = completion.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertEquals(1, calls.size());
        ChatCompletionMessageFunctionToolCall call = calls.get(0).asFunction();
        assertEquals("call_abc123", call.id());
        assertEquals("get_weather", call.function().name());
        JsonNode arguments = JSON.readTree(call.function().arguments());
        assertEquals("Paris", arguments.path("city").asText());
        assertEquals("celsius", arguments.path("unit").asText());

        // The SDK's tool definition reached the upstream intact.
        JsonNode sent = JSON.readTree(openAi.received().get(0).body());
        JsonNode tool = sent.path("tools").path(0);
        assertEquals("function", tool.path("type").asText());
        assertEquals("get_weather", tool.path("function").path("name").asText());
        assertEquals("object", tool.path("function").path("parameters").path("type").asText());
        assertEquals("string", tool.path("function").path("parameters").path("properties").path("city")
                .path("type").asText());

        // And the tool's answer goes back through the SDK's own message types.
        openAi.then(FakeOpenAi.json(200, FakeOpenAi.chatCompletion("It is 21 degrees in Paris.", 80, 8)));
        ChatCompletion followUp = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addUserMessage("What is the weather in Paris?")
                .addMessage(choice.message())
                .addMessage(com.openai.models.chat.completions.ChatCompletionToolMessageParam.builder()
                        .toolCallId("call_abc123").content("{\"temperature\":21}").build())
                .addTool(weatherTool()).build());
        assertEquals("It is 21 degrees in Paris.", followUp.choices().get(0).message().content().orElseThrow());
        JsonNode second = JSON.readTree(openAi.received().get(1).body());
        JsonNode messages = second.path("messages");
        assertEquals(3, messages.size(), messages.toString());
        assertEquals("assistant", messages.path(1).path("role").asText());
        assertEquals("call_abc123", messages.path(1).path("tool_calls").path(0).path("id").asText());
        assertEquals("get_weather", messages.path(1).path("tool_calls").path(0).path("function").path("name").asText());
        assertEquals("tool", messages.path(2).path("role").asText());
        assertEquals("call_abc123", messages.path(2).path("tool_call_id").asText());
    }

    @Test
    void streamedToolCallsReachTheSdkDeltas() {
        String head = "{\"id\":\"chatcmpl-tool2\",\"object\":\"chat.completion.chunk\",\"created\":1732000000,"
                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_fake\",";
        openAi.then(FakeOpenAi.sse(0, List.of(
                head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
                        + "[{\"index\":0,\"id\":\"call_xyz\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                        + "\"arguments\":\"\"}}],\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                        + "{\"arguments\":\"{\\\"city\\\":\"}}]},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                        + "{\"arguments\":\"\\\"Oslo\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                head + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
                        + "\"usage\":null}",
                head + "\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":10,\"total_tokens\":60}}",
                "[DONE]")));

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("Weather in Oslo?")
                        .addTool(weatherTool()).build())) {
            chunks = stream.stream().toList();
        }
        String id = null;
        String name = null;
        StringBuilder arguments = new StringBuilder();
        for (ChatCompletionChunk chunk : chunks) {
            chunk.validate();
            for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                for (ChatCompletionChunk.Choice.Delta.ToolCall call : choice.delta().toolCalls().orElse(List.of())) {
                    assertEquals(0, call.index());
                    id = call.id().orElse(id);
                    if (call.function().isPresent()) {
                        name = call.function().get().name().orElse(name);
                        arguments.append(call.function().get().arguments().orElse(""));
                    }
                }
            }
        }
        assertEquals("call_xyz", id);
        assertEquals("get_weather", name);
        assertEquals("{\"city\":\"Oslo\"}", arguments.toString());
        assertEquals(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS, finishReason(chunks));
    }

    @Test
    void anUnknownModelIsTheSdksNotFoundExceptionWithTheGatewaysMessage() {
        NotFoundException error = assertThrows(NotFoundException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("no-such-model").addUserMessage("hello").build()));

        assertEquals(404, error.statusCode());
        assertTrue(error.getMessage().contains("The model 'no-such-model' does not exist"), error.getMessage());
        assertEquals("model_not_found", error.code().orElseThrow());
        assertEquals("invalid_request_error", error.type().orElseThrow());
        assertFalse(error.headers().values("x-request-id").isEmpty(), "the error carries the request id");
        assertTrue(openAi.received().isEmpty());
    }

    @Test
    void anUnknownModelFailsTheStreamingCallTheSameWay() {
        NotFoundException error = assertThrows(NotFoundException.class, () -> {
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder().model("no-such-model").addUserMessage("hello").build())) {
                stream.stream().forEach(chunk -> { });
            }
        });
        assertTrue(error.getMessage().contains("no-such-model"), error.getMessage());
    }

    @Test
    void theModelListHasTheMockModels() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();

        assertTrue(ids.contains("mock-echo"), ids.toString());
        assertTrue(ids.contains("mock-stream"), ids.toString());
        Model echo = client.models().list().data().stream().filter(m -> m.id().equals("mock-echo")).findFirst()
                .orElseThrow();
        assertEquals("mock", echo.ownedBy());
        echo.validate();
    }

    @Test
    void theSdkRetrievesOneModelAlsoByAProviderSlashModelName() {
        Model echo = client.models().retrieve("mock-echo");
        Model slashed = client.models().retrieve("openai/gpt-4o");

        echo.validate();
        assertEquals("mock-echo", echo.id());
        assertEquals("mock", echo.ownedBy());
        assertEquals("openai/gpt-4o", slashed.id());
        assertEquals("openai", slashed.ownedBy());
        NotFoundException missing = assertThrows(NotFoundException.class,
                () -> client.models().retrieve("no-such-model"));
        assertTrue(missing.getMessage().contains("no-such-model"), missing.getMessage());
    }

    private static ChatCompletionFunctionTool weatherTool() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").description("The weather in a city")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of(
                                "city", Map.of("type", "string"),
                                "unit", Map.of("type", "string", "enum", List.of("celsius", "fahrenheit")))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                        .build())
                .build()).build();
    }

    private static String text(List<ChatCompletionChunk> chunks) {
        StringBuilder text = new StringBuilder();
        for (ChatCompletionChunk chunk : chunks) {
            for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                text.append(choice.delta().content().orElse(""));
            }
        }
        return text.toString();
    }

    private static ChatCompletionChunk.Choice.FinishReason finishReason(List<ChatCompletionChunk> chunks) {
        ChatCompletionChunk.Choice.FinishReason reason = null;
        for (ChatCompletionChunk chunk : chunks) {
            for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                if (choice.finishReason().isPresent()) {
                    reason = choice.finishReason().get();
                }
            }
        }
        return reason;
    }

    private static CompletionUsage usageOf(List<ChatCompletionChunk> chunks) {
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty(), "the usage chunk has no choices: " + last);
        return last.usage().orElseThrow(() -> new AssertionError("no usage chunk in " + chunks));
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Test
    void aToolLoopWithThinkingGoesOnWhenTheSdkPutsTheThinkingBlocksBack() throws Exception {
        anthropic.then(anthropic.reply(FakeAnthropic.toolUse(new ToolUse("toolu_01Sdk", "get_weather",
                List.of("{\"city\": \"Paris\"}")), 50, 90).thinking(Thought.of(SIGNATURE, "I need the weather."))));
        anthropic.then(anthropic.reply(FakeAnthropic.text("It is 18 degrees.", 80, 12)));
        ChatCompletionFunctionTool weather = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").parameters(FunctionParameters.builder().putAdditionalProperty("type",
                        JsonValue.from("object")).build()).build()).build();
        ChatCompletionCreateParams.Builder ask = ChatCompletionCreateParams.builder().model(SONNET)
                .reasoningEffort(ReasoningEffort.LOW).addTool(weather).addUserMessage("Weather in Paris?");

        ChatCompletionMessage first = client.chat().completions().create(ask.build()).choices().get(0).message();

        Map<String, JsonValue> extra = first._additionalProperties();
        assertEquals("I need the weather.", extra.get("reasoning_content").asString().orElseThrow());
        assertTrue(extra.containsKey("thinking_blocks"), extra.toString());
        // toParam() keeps only OpenAI's own fields: the caller puts the thinking blocks back
        ChatCompletionAssistantMessageParam back = first.toParam().toBuilder()
                .putAdditionalProperty("thinking_blocks", extra.get("thinking_blocks")).build();
        ChatCompletion second = client.chat().completions().create(ask.addMessage(back)
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("toolu_01Sdk").content("18 degrees")
                        .build()).build());

        assertEquals("It is 18 degrees.", second.choices().get(0).message().content().orElseThrow());
        JsonNode sent = anthropic.received().get(1).json();
        assertEquals(1024, sent.at("/thinking/budget_tokens").asInt());
        assertEquals(JSON.readTree("{\"type\":\"thinking\",\"thinking\":\"I need the weather.\",\"signature\":\""
                + SIGNATURE + "\"}"), sent.at("/messages/1/content/0"));
    }
}
