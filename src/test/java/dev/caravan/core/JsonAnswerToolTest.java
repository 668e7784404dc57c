package dev.caravan.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonAnswerToolTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CITY = "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"city\",\"description\":"
            + "\"A city and its country\",\"schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":"
            + "\"string\"}},\"required\":[\"name\"]}}}";
    private static final ToolDefinition WEATHER = new ToolDefinition("get_weather", "Weather now",
            JSON.createObjectNode().put("type", "object"));

    private static ChatRequest request(String responseFormat, List<ToolDefinition> tools, ToolChoice choice) {
        try {
            ObjectNode original = (ObjectNode) JSON.readTree("{\"model\":\"claude\",\"messages\":[]"
                    + (responseFormat == null ? "" : ",\"response_format\":" + responseFormat) + "}");
            return new ChatRequest("claude", List.of(ChatMessage.of("user", "Name a city")), null, null, null, null,
                    false, false, tools, choice, null, original);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonAnswerTool tool(String responseFormat) {
        return JsonAnswerTool.of(request(responseFormat, List.of(), null));
    }

    @Test
    void aJsonSchemaBecomesATool_namedAndDescribedAsTheSchemaIs_thatTheModelMustCall() {
        ChatRequest sent = tool(CITY).offeredIn(request(CITY, List.of(), null));

        ToolDefinition answer = sent.tools().get(0);
        assertEquals("city", answer.name());
        assertTrue(answer.description().contains("A city and its country"), answer.description());
        assertEquals(JSON.createObjectNode().put("type", "string"),
                answer.parameters().path("properties").path("name"));
        assertEquals(ToolChoice.REQUIRED, sent.toolChoice(), "any tool: the only one offered is the answer's");
    }

    @Test
    void jsonObjectIsAToolTakingAnyObject() {
        ChatRequest sent = tool("{\"type\":\"json_object\"}").offeredIn(request("{\"type\":\"json_object\"}",
                List.of(), null));

        assertEquals(JsonAnswerTool.DEFAULT_NAME, sent.tools().get(0).name());
        assertEquals(JSON.createObjectNode().put("type", "object"), sent.tools().get(0).parameters());
    }

    @Test
    void aSchemaWithoutItsTypeIsSentAsAnObjectSchema_theCallersNodeUntouched() {
        String format = "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\",\"schema\":{\"properties\":{}}}}";
        ChatRequest request = request(format, List.of(), null);

        ToolDefinition answer = JsonAnswerTool.of(request).offeredIn(request).tools().get(0);

        assertEquals("object", answer.parameters().path("type").asText());
        assertTrue(request.original().path("response_format").path("json_schema").path("schema").path("type")
                .isMissingNode());
    }

    @Test
    void noFormatTextOrACallersForcedToolAsksForNoTool() {
        assertNull(tool(null));
        assertNull(tool("{\"type\":\"text\"}"));
        assertNull(JsonAnswerTool.of(request(CITY, List.of(WEATHER), ToolChoice.REQUIRED)));
        assertNull(JsonAnswerTool.of(request(CITY, List.of(WEATHER), ToolChoice.function("get_weather"))));
    }

    @Test
    void withTheCallersToolsAndAutoTheModelMustCallOneOfThemOrTheAnswer() {
        ChatRequest sent = JsonAnswerTool.of(request(CITY, List.of(WEATHER), null))
                .offeredIn(request(CITY, List.of(WEATHER), null));

        assertEquals(List.of("get_weather", "city"), sent.tools().stream().map(ToolDefinition::name).toList());
        assertEquals(ToolChoice.REQUIRED, sent.toolChoice());
    }

    @Test
    void withTheCallersToolsAndNoneOnlyTheAnswersToolIsOffered() {
        ChatRequest request = request(CITY, List.of(WEATHER), ToolChoice.NONE);

        ChatRequest sent = JsonAnswerTool.of(request).offeredIn(request);

        assertEquals(List.of("city"), sent.tools().stream().map(ToolDefinition::name).toList());
        assertEquals(ToolChoice.REQUIRED, sent.toolChoice());
    }

    @Test
    void withoutTheCallersToolsEarlierToolTurnsGoAsText() {
        ChatRequest base = request(CITY, List.of(), null);
        ChatRequest request = new ChatRequest("claude", List.of(ChatMessage.of("user", "Weather?"),
                new ChatMessage("assistant", List.of(), List.of(new ToolCall("call_1", "get_weather", "{}")), null,
                        null), new ChatMessage("tool", List.of(dev.caravan.core.ContentPart.text("sunny")), List.of(),
                        "call_1", null), ChatMessage.of("user", "Now a city")), null, null, null, null, false, false,
                List.of(), null, null, base.original());

        ChatRequest sent = JsonAnswerTool.of(request).offeredIn(request);

        assertTrue(sent.messages().stream().allMatch(m -> m.toolCalls().isEmpty() && !"tool".equals(m.role())));
        assertTrue(sent.messages().get(1).text().contains("get_weather"), sent.messages().get(1).text());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{\"type\":\"xml\"}|response_format.type",
        "{\"type\":\"json_schema\"}|response_format.json_schema",
        "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a b\",\"schema\":{}}}|response_format.json_schema.name",
        "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"list\",\"schema\":{\"type\":\"array\"}}}"
            + "|response_format.json_schema.schema",
        "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"get_weather\"}}|response_format"})
    void aFormatThatCannotBeHonouredIsA400NamingTheField(String format, String param) {
        GatewayException error = assertThrows(GatewayException.class,
                () -> JsonAnswerTool.of(request(format, List.of(WEATHER), null)));

        assertEquals(400, error.status());
        assertEquals(param, error.param());
    }

    @Test
    void theAnswersCallBecomesTheAnswersText() {
        ChatResponse answer = tool(CITY).answer(new ChatResponse("msg_1", "claude", null,
                List.of(new ToolCall("toolu_1", "city", "{\"name\":\"Paris\"}")), "tool_calls", Usage.of(20, 8)));

        assertEquals("{\"name\":\"Paris\"}", answer.content());
        assertEquals(List.of(), answer.toolCalls());
        assertEquals("stop", answer.finishReason());
        assertEquals(Usage.of(20, 8), answer.usage());
    }

    @Test
    void aSecondCallOfTheAnswersToolIsDropped() {
        ChatResponse twice = tool(CITY).answer(new ChatResponse("m", "claude", null, List.of(
                new ToolCall("t1", "city", "{\"name\":\"Paris\"}"), new ToolCall("t2", "city", "{\"name\":\"Rome\"}")),
                "tool_calls", Usage.NONE));
        JsonAnswerTool.Events events = tool(CITY).events();

        assertEquals("{\"name\":\"Paris\"}", twice.content());
        assertEquals(List.of(), twice.toolCalls());
        assertEquals("stop", twice.finishReason());
        assertEquals(List.of(new StreamEvent.TextDelta("{}"), new StreamEvent.Finished("stop")),
                events.apply(List.of(new StreamEvent.ToolCallDelta(0, "t1", "city", ""),
                        new StreamEvent.ToolCallDelta(0, null, null, "{}"),
                        new StreamEvent.ToolCallDelta(1, "t2", "city", ""),
                        new StreamEvent.ToolCallDelta(1, null, null, "{\"x\":1}"),
                        new StreamEvent.Finished("tool_calls"))));
    }

    @Test
    void aCutAnswerKeepsLengthAndACallersToolCallIsLeftAlone() {
        JsonAnswerTool tool = tool(CITY);
        ChatResponse cut = tool.answer(new ChatResponse("m", "claude", null,
                List.of(new ToolCall("t", "city", "{\"na")), "length", Usage.NONE));
        ChatResponse weather = new ChatResponse("m", "claude", null,
                List.of(new ToolCall("t", "get_weather", "{}")), "tool_calls", Usage.NONE);

        assertEquals("{\"na", cut.content());
        assertEquals("length", cut.finishReason());
        assertSame(weather, tool.answer(weather));
    }

    @Test
    void aStreamedAnswerComesAsTextDeltas_theCallersCallsNumberedWithoutIt() {
        JsonAnswerTool.Events events = tool(CITY).events();

        assertEquals(List.of(new StreamEvent.Started("m")), events.apply(List.of(new StreamEvent.Started("m"))));
        assertEquals(List.of(), events.apply(List.of(new StreamEvent.ToolCallDelta(0, "toolu_1", "city", ""))));
        assertEquals(List.of(new StreamEvent.TextDelta("{\"name\":")),
                events.apply(List.of(new StreamEvent.ToolCallDelta(0, null, null, "{\"name\":"))));
        assertEquals(List.of(new StreamEvent.TextDelta("\"Paris\"}"), new StreamEvent.Finished("stop")),
                events.apply(List.of(new StreamEvent.ToolCallDelta(0, null, null, "\"Paris\"}"),
                        new StreamEvent.Finished("tool_calls"))));
    }

    @Test
    void aStreamCallingTheCallersToolAfterTheAnswerNumbersItFromZeroAndFinishesForToolCalls() {
        JsonAnswerTool.Events events = tool(CITY).events();
        events.apply(List.of(new StreamEvent.ToolCallDelta(0, "toolu_1", "city", ""),
                new StreamEvent.ToolCallDelta(0, null, null, "{}")));

        assertEquals(List.of(new StreamEvent.ToolCallDelta(0, "toolu_2", "get_weather", ""),
                        new StreamEvent.ToolCallDelta(0, null, null, "{}"), new StreamEvent.Finished("tool_calls")),
                events.apply(List.of(new StreamEvent.ToolCallDelta(1, "toolu_2", "get_weather", ""),
                        new StreamEvent.ToolCallDelta(1, null, null, "{}"), new StreamEvent.Finished("tool_calls"))));
    }

    @Test
    void aStreamWithoutTheAnswersToolIsPassedOnAsItIs_itsTextHeldUntilItsFinish() {
        JsonAnswerTool.Events events = tool(CITY).events();
        List<StreamEvent> text = List.of(new StreamEvent.TextDelta("Par"), new StreamEvent.TextDelta("is"));
        List<StreamEvent> end = List.of(new StreamEvent.Finished("length"),
                new StreamEvent.UsageReport(Usage.of(9, 2)));

        assertEquals(List.of(new StreamEvent.Started("m")), events.apply(List.of(new StreamEvent.Started("m"))));
        assertEquals(List.of(), events.apply(text));
        assertEquals(List.of(text.get(0), text.get(1), end.get(0), end.get(1)), events.apply(end));
    }

    @Test
    void textBeforeTheAnswersCallIsDroppedInAStreamAsInAWholeAnswer() {
        ChatResponse whole = tool(CITY).answer(new ChatResponse("m", "claude", "I will answer with the tool.",
                List.of(new ToolCall("t1", "city", "{\"name\":\"Paris\"}")), "tool_calls", Usage.NONE));
        JsonAnswerTool.Events events = tool(CITY).events();

        List<StreamEvent> streamed = events.apply(List.of(new StreamEvent.TextDelta("I will answer"),
                new StreamEvent.TextDelta(" with the tool."), new StreamEvent.ToolCallDelta(1, "t1", "city", ""),
                new StreamEvent.ToolCallDelta(1, null, null, "{\"name\":\"Paris\"}"),
                new StreamEvent.TextDelta(" Done."), new StreamEvent.Finished("tool_calls")));

        assertEquals("{\"name\":\"Paris\"}", whole.content());
        assertEquals(List.of(new StreamEvent.TextDelta(whole.content()), new StreamEvent.Finished("stop")), streamed);
    }

    @Test
    void textBeforeACallOfTheCallersToolGoesOutFirst_atTheFinish_theCallHeldBehindIt() {
        JsonAnswerTool.Events events = tool(CITY).events();

        List<StreamEvent> call = events.apply(List.of(new StreamEvent.TextDelta("Checking the weather."),
                new StreamEvent.ToolCallDelta(1, "t1", "get_weather", ""),
                new StreamEvent.ToolCallDelta(1, null, null, "{}")));
        List<StreamEvent> end = events.apply(List.of(new StreamEvent.Finished("tool_calls")));

        assertEquals(List.of(), call, "the answer's call may still follow, which would drop the text");
        assertEquals(List.of(new StreamEvent.TextDelta("Checking the weather."),
                new StreamEvent.ToolCallDelta(0, "t1", "get_weather", ""),
                new StreamEvent.ToolCallDelta(0, null, null, "{}"), new StreamEvent.Finished("tool_calls")), end);
    }

    @Test
    void aFailureReleasesWhatIsHeld_inTheModelsOrder_aheadOfIt() {
        JsonAnswerTool.Events events = tool(CITY).events();
        GatewayException overloaded = GatewayException.upstreamUnavailable("anthropic", "Overloaded");

        List<StreamEvent> first = events.apply(List.of(new StreamEvent.ToolCallDelta(0, "t1", "get_weather", "{}"),
                new StreamEvent.TextDelta("Now Rome."), new StreamEvent.ToolCallDelta(1, "t2", "get_weather", "{")));
        List<StreamEvent> failed = events.apply(List.of(new StreamEvent.Failed(overloaded)));

        assertEquals(List.of(new StreamEvent.ToolCallDelta(0, "t1", "get_weather", "{}")), first);
        assertEquals(List.of(new StreamEvent.TextDelta("Now Rome."),
                new StreamEvent.ToolCallDelta(1, "t2", "get_weather", "{"), new StreamEvent.Failed(overloaded)), failed);
    }

    @Test
    void textBeforeTheCallersCallAndTheAnswersIsDropped_theCallersCallKept() {
        JsonAnswerTool.Events events = tool(CITY).events();

        List<StreamEvent> streamed = events.apply(List.of(new StreamEvent.TextDelta("Both."),
                new StreamEvent.ToolCallDelta(1, "t1", "get_weather", "{}"), new StreamEvent.ToolCallDelta(2, "t2",
                        "city", "{}"), new StreamEvent.Finished("tool_calls")));

        assertEquals(List.of(new StreamEvent.ToolCallDelta(0, "t1", "get_weather", "{}"),
                new StreamEvent.TextDelta("{}"), new StreamEvent.Finished("tool_calls")), streamed);
    }
}
