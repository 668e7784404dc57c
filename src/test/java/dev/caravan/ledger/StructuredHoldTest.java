package dev.caravan.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.JsonAnswerTool;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.ModelRouter;
import dev.caravan.routing.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A structured answer's schema is sent to Claude and Bedrock as a tool, and billed: the hold counts it. */
class StructuredHoldTest {

    @TempDir
    Path dir;

    @Test
    void theHoldCountsTheSchemaClaudeIsSentAsATool() throws Exception {
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, "models:\n  anthropic/claude-3-5-haiku-20241022: {input: 0.80, output: 4.00}\n");
        BudgetGate gate = new BudgetGate(null, new ModelRouter(catalog, p -> true), 500);
        StringBuilder props = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            props.append(i == 0 ? "" : ",").append("\"field_").append(i)
                    .append("\":{\"type\":\"string\",\"description\":\"the value of field number ").append(i).append("\"}");
        }
        ObjectNode original = (ObjectNode) new ObjectMapper().readTree("{\"model\":\"c\",\"messages\":[],"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"form\",\"schema\":"
                + "{\"type\":\"object\",\"properties\":{" + props + "}}}}}");
        ChatRequest caller = new ChatRequest("claude-3-5-haiku-20241022", List.of(ChatMessage.of("user", "Fill it")),
                50, null, null, null, false, false, List.of(), null, null, original);
        ChatRequest sent = JsonAnswerTool.of(caller).offeredIn(caller);
        long schemaCharacters = sent.tools().get(0).parameters().toString().length();

        BigDecimal held = gate.worstCase(call(caller));

        // no tokenizer makes fewer characters than tokens: the schema's characters at the input price, and max_tokens
        BigDecimal billedAtMost = BigDecimal.valueOf(schemaCharacters * 0.80 + 50 * 4.00).movePointLeft(6);
        assertTrue(held.compareTo(billedAtMost) >= 0, "held " + held + " < " + billedAtMost);
    }

    private static CallContext call(ChatRequest request) {
        CallContext call = new CallContext("req_1", "openai", "req_1");
        call.request(request);
        call.chain(List.of(new Target("anthropic", "claude-3-5-haiku-20241022")));
        return call;
    }
}
