package dev.caravan.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
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

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Claude's thinking is billed as output and is sent on top of the caller's max_tokens (the visible answer's allowance):
 * the hold counts the thinking budget for a Claude target, on Anthropic's API and on Bedrock. OpenAI counts reasoning
 * inside max_completion_tokens, so its hold is the caller's max_tokens as before.
 */
class ThinkingHoldTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GPT = "o4-mini";
    private static final String SONNET = "claude-3-7-sonnet-20250219";
    private static final String BEDROCK_SONNET = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    /** Thinks adaptively: sent an effort, and the same max_tokens as the budget form. */
    private static final String OPUS_47 = "claude-opus-4-7";

    @TempDir
    Path dir;
    BudgetGate gate;

    @BeforeEach
    void catalog() throws Exception {
        Path catalog = dir.resolve("catalog.yaml");
        // output at 1 USD per million and no input price: the hold is the output allowance, in micro-dollars
        Files.writeString(catalog, "models:\n"
                + "  openai/" + GPT + ": {input: 0, output: 1.00}\n"
                + "  anthropic/" + SONNET + ": {input: 0, output: 1.00, maxOutputTokens: 8192}\n"
                + "  bedrock/" + BEDROCK_SONNET + ": {input: 0, output: 1.00, maxOutputTokens: 8192}\n"
                + "  anthropic/" + OPUS_47 + ": {input: 0, output: 1.00, maxOutputTokens: 8192}\n");
        gate = new BudgetGate(null, new ModelRouter(catalog, p -> true), 500);
    }

    @Test
    void claudeIsHeldForItsThinkingBudgetOnTopOfTheCallersMaxTokens() throws Exception {
        assertEquals(4096 + 100, heldTokens(request("high", 100), new Target("anthropic", SONNET)));
        assertEquals(1024 + 100, heldTokens(request("low", 100), new Target("bedrock", BEDROCK_SONNET)));
    }

    @Test
    void adaptiveClaudeIsHeldForTheEffortsBudgetAsTheBudgetFormIs() throws Exception {
        assertEquals(8192 + 100, heldTokens(request("xhigh", 100), new Target("anthropic", OPUS_47)));
        assertEquals(8192, heldTokens(request("medium", null), new Target("anthropic", OPUS_47)));
    }

    @Test
    void claudeWithoutMaxTokensIsHeldForTheModelsMostOutputWhichHoldsTheBudget() throws Exception {
        assertEquals(8192, heldTokens(request("high", null), new Target("anthropic", SONNET)));
    }

    @Test
    void withoutReasoningOrWithNoneOrOnOpenAiTheHoldIsTheCallersMaxTokens() throws Exception {
        assertEquals(100, heldTokens(request(null, 100), new Target("anthropic", SONNET)));
        assertEquals(100, heldTokens(request("none", 100), new Target("anthropic", SONNET)));
        assertEquals(100, heldTokens(request("high", 100), new Target("openai", GPT)));
    }

    /** The hold on {@code target} in tokens of output (at 1 USD per million). */
    private long heldTokens(ChatRequest request, Target target) {
        CallContext call = new CallContext("req_1", "openai");
        call.request(request);
        call.chain(List.of(target));
        BigDecimal held = gate.worstCase(call);
        return held.movePointRight(6).longValueExact();
    }

    private static ChatRequest request(String effort, Integer maxTokens) throws Exception {
        ObjectNode original = (ObjectNode) JSON.readTree("{\"model\":\"m\",\"messages\":[]"
                + (effort == null ? "" : ",\"reasoning_effort\":\"" + effort + "\"") + "}");
        return new ChatRequest("m", List.of(ChatMessage.of("user", "27 * 453?")), maxTokens, null, null, null, false,
                false, List.of(), null, null, original);
    }
}
