package dev.caravan.ledger;

import dev.caravan.api.OpenAiRequestParser;
import dev.caravan.core.ChatRequest;
import dev.caravan.routing.CallContext;
import dev.caravan.routing.ModelRouter;
import dev.caravan.routing.Target;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request with cache_control breakpoints may have its whole prompt written to the provider's cache, which costs more
 * than uncached input (Anthropic: 1.25 times for five minutes, twice for an hour). The hold is the request's worst
 * case, so it prices the prompt at the write price its breakpoints can incur; a request without breakpoints is held as
 * before.
 */
class CacheWriteHoldTest {

    private static final String SONNET = "claude-sonnet-4-5-20250929";
    private static final String PROMPT = "夏の夜は まだ宵ながら 明けぬるを 雲のいづこに 月宿るらむ".repeat(40);

    @TempDir
    Path dir;
    BudgetGate gate;

    @BeforeEach
    void catalog() throws Exception {
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, "models:\n"
                + "  anthropic/" + SONNET + ": {input: 3.00, cachedInput: 0.30, cacheWrite: 3.75, cacheWrite1h: 6.00,"
                + " output: 15.00}\n");
        gate = new BudgetGate(null, new ModelRouter(catalog, p -> true), 500);
    }

    @Test
    void anHourLongBreakpointHoldsThePromptAtTheHourLongWritePrice() {
        BigDecimal plain = held(request(null));
        BigDecimal hour = held(request("{\"type\":\"ephemeral\",\"ttl\":\"1h\"}"));

        // max_tokens 1: the prompt is the hold but for one output token (15 USD a million)
        BigDecimal output = tokens(1, 15.00);
        assertEquals(0, hour.subtract(output).compareTo(plain.subtract(output).multiply(BigDecimal.valueOf(2))),
                "plain " + plain + ", with an hour-long breakpoint " + hour);
    }

    @Test
    void aFiveMinuteBreakpointHoldsThePromptAtTheWritePrice() {
        BigDecimal plain = held(request(null));
        BigDecimal fiveMinutes = held(request("{\"type\":\"ephemeral\"}"));

        BigDecimal output = tokens(1, 15.00);
        assertEquals(0, fiveMinutes.subtract(output)
                        .compareTo(plain.subtract(output).multiply(new BigDecimal("1.25"))),
                "plain " + plain + ", with a breakpoint " + fiveMinutes);
    }

    @Test
    void aRequestWithoutBreakpointsIsHeldAtTheInputPrice() {
        BigDecimal plain = held(request(null));
        assertTrue(plain.compareTo(tokens(PROMPT.length(), 3.00)) >= 0, "held " + plain);
        assertTrue(plain.compareTo(tokens(PROMPT.length(), 3.75)) < 0, "held " + plain);
    }

    private BigDecimal held(ChatRequest request) {
        CallContext call = new CallContext("req_1", "openai");
        call.request(request);
        call.chain(List.of(new Target("anthropic", SONNET)));
        return gate.worstCase(call);
    }

    private static ChatRequest request(String cacheControl) {
        String body = "{\"model\":\"" + SONNET + "\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"" + PROMPT + "\""
                + (cacheControl == null ? "" : ",\"cache_control\":" + cacheControl) + "}]}]}";
        return new OpenAiRequestParser().parse(body.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code count} tokens at {@code usdPerMillion}, in USD. */
    private static BigDecimal tokens(long count, double usdPerMillion) {
        return BigDecimal.valueOf(count).multiply(BigDecimal.valueOf(usdPerMillion)).movePointLeft(6);
    }
}
