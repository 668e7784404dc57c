package dev.caravan.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ToolDefinition;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.ModelRouter;
import dev.caravan.routing.Target;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Claude is given a system prompt of its own when tools are offered (Anthropic documents 159 to 530 tokens by model
 * and tool choice), on Anthropic's API and on Bedrock; OpenAI is not. The hold counts it for the targets that add it,
 * each at its own price, and for none other.
 */
class ToolUsePromptHoldTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GPT = "gpt-4o";
    private static final String HAIKU = "claude-3-5-haiku-20241022";
    private static final String BEDROCK_HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";
    /** The fewest tokens Anthropic documents for Claude's tool-use system prompt (Claude 3 Sonnet, auto). */
    private static final int SMALLEST_CLAUDE_TOOL_PROMPT = 159;
    private static final ToolDefinition WEATHER = new ToolDefinition("get_weather", "The weather in a city now",
            JSON.createObjectNode().put("type", "object"));
    private static final String FORMAT = "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"city\",\"schema\":"
            + "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}}}";

    @TempDir
    Path dir;
    BudgetGate gate;

    @BeforeEach
    void catalog() throws Exception {
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, "models:\n"
                + "  openai/" + GPT + ": {input: 2.50, output: 10.00}\n"
                + "  anthropic/" + HAIKU + ": {input: 0.80, output: 4.00}\n"
                + "  bedrock/" + BEDROCK_HAIKU + ": {input: 0.25, output: 1.25}\n");
        gate = new BudgetGate(null, new ModelRouter(catalog, p -> true), 500);
    }

    @Test
    void anOpenAiTargetIsHeldForTheToolsDefinitionButNotForClaudesToolUsePrompt() throws Exception {
        List<Target> openAi = List.of(new Target("openai", GPT));
        BigDecimal plain = held(request(List.of(), null), openAi);

        BigDecimal withTool = held(request(List.of(WEATHER), null), openAi).subtract(plain);
        BigDecimal withFormat = held(request(List.of(), FORMAT), openAi).subtract(plain);

        long definition = WEATHER.name().length() + WEATHER.description().length()
                + WEATHER.parameters().toString().length();
        assertTrue(withTool.compareTo(tokens(definition, 2.50)) >= 0, "the tool's definition is held: " + withTool);
        assertTrue(withTool.compareTo(tokens(definition + SMALLEST_CLAUDE_TOOL_PROMPT, 2.50)) < 0,
                "no tool-use system prompt for OpenAI: " + withTool);
        assertTrue(withFormat.compareTo(tokens(FORMAT.length(), 2.50)) >= 0, "the schema is held: " + withFormat);
        assertTrue(withFormat.compareTo(tokens(FORMAT.length() + SMALLEST_CLAUDE_TOOL_PROMPT, 2.50)) < 0,
                "OpenAI is sent the response_format, no tool: " + withFormat);
    }

    @Test
    void aChainWithAClaudeFallbackHoldsItsToolUsePromptAtItsPrice() throws Exception {
        // max_tokens 1: the prompt decides which target costs most, and with Claude's prompt it is the cheaper model
        ChatRequest request = request(List.of(WEATHER), null);
        long definition = WEATHER.name().length() + WEATHER.description().length()
                + WEATHER.parameters().toString().length();

        BigDecimal held = held(request, List.of(new Target("openai", GPT), new Target("anthropic", HAIKU)));

        // 530: the most Anthropic documents (Claude 3 Opus, tool_choice auto)
        BigDecimal claudeAtLeast = tokens(definition + 530, 0.80).add(tokens(1, 4.00));
        assertTrue(held.compareTo(claudeAtLeast) >= 0, "held " + held + " < " + claudeAtLeast);
    }

    @Test
    void claudeOnBedrockIsHeldForItsToolUsePromptToo() throws Exception {
        List<Target> bedrock = List.of(new Target("bedrock", BEDROCK_HAIKU));

        BigDecimal withTool = held(request(List.of(WEATHER), null), bedrock)
                .subtract(held(request(List.of(), null), bedrock));
        BigDecimal withFormat = held(request(List.of(), FORMAT), bedrock)
                .subtract(held(request(List.of(), null), bedrock));

        // Claude 3 Haiku: 264 tokens with tool_choice auto, 340 with any (the structured answer's forced tool)
        assertTrue(withTool.compareTo(tokens(340, 0.25)) >= 0, "held " + withTool);
        assertTrue(withFormat.compareTo(tokens(FORMAT.length() + 340, 0.25)) >= 0, "held " + withFormat);
    }

    private BigDecimal held(ChatRequest request, List<Target> chain) {
        CallContext call = new CallContext("req_1", "openai");
        call.request(request);
        call.chain(chain);
        return gate.worstCase(call);
    }

    private static ChatRequest request(List<ToolDefinition> tools, String responseFormat) throws Exception {
        ObjectNode original = (ObjectNode) JSON.readTree("{\"model\":\"m\",\"messages\":[]"
                + (responseFormat == null ? "" : ",\"response_format\":" + responseFormat) + "}");
        return new ChatRequest("m", List.of(ChatMessage.of("user", "Weather in Oslo?")), 1, null, null, null, false,
                false, tools, null, null, original);
    }

    /** {@code count} tokens at {@code usdPerMillion}, in USD. */
    private static BigDecimal tokens(long count, double usdPerMillion) {
        return BigDecimal.valueOf(count).multiply(BigDecimal.valueOf(usdPerMillion)).movePointLeft(6);
    }
}
