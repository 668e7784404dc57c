package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.ledger.CostRecord;
import dev.caravan.ledger.Ledger;
import dev.caravan.ledger.PromptEstimate;
import dev.caravan.providers.bedrock.AwsTestCredentials;
import dev.caravan.providers.bedrock.FakeBedrock;
import dev.caravan.routing.Breakers;
import dev.caravan.routing.Target;
import dev.caravan.support.BudgetApi;
import dev.caravan.support.Eventually;
import dev.caravan.support.FakeAnthropic;
import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import dev.caravan.support.StreamCapture;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream the gateway cuts at a whitespace stop sequence Anthropic's models were not sent ends at the cut: the caller
 * gets the finish, the usage chunk and [DONE] at once, not when the model has finished writing what nobody will see,
 * and the provider's stream is stopped. Each upstream here would write on for about 30 s after the stop.
 */
class WhitespaceStopCutTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-ant-test-key-2020";
    /** 0.80 / 4.00 USD per million tokens, directly and on Bedrock. */
    private static final String CLAUDE = "claude-3-5-haiku-20241022";
    private static final String BEDROCK_CLAUDE = "anthropic.claude-3-5-haiku-20241022-v1:0";
    /** The stop comes in the second delta: "positive" and "\nBecause the" are 20 bytes, estimated at 5 tokens. */
    private static final List<String> WROTE_ON = List.of("positive", "\nBecause the");
    /** The same text with the stop in the first delta: cut before the caller's stream is open. */
    private static final List<String> WROTE_ON_AT_ONCE = List.of("positive\nBecause the");
    private static final long ESTIMATED_OUTPUT = 5;
    /** How long the upstreams would go on writing after the stop: 300 deltas 100 ms apart. */
    private static final int DELTAS_AFTER = 300;
    private static final long DELTA_MILLIS = 100;
    /** Far below the 30 s the upstream would take, far above what ending at once takes. */
    private static final long PROMPTLY_MILLIS = 15_000;
    /**
     * The gateway's count of the request's prompt, as its budget hold made it: 1 + 19 characters + 8 for the message.
     */
    private static final long BEDROCK_PROMPT_ESTIMATE = PromptEstimate.tokens(new ChatRequest(BEDROCK_CLAUDE,
            List.of(ChatMessage.of("user", "Sentiment, one word")), 50, null, null, List.of("\n"), true, true, null,
            null, null, null), new Target("bedrock", BEDROCK_CLAUDE));
    private static final String REQUEST_TAIL = "\"max_tokens\":50,\"stop\":[\"\\n\"],\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Sentiment, one word\"}]}";

    @TempDir
    static Path dir;
    static FakeAnthropic anthropic;
    static FakeBedrock bedrock;
    static AwsTestCredentials aws;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        anthropic = new FakeAnthropic(KEY);
        aws = AwsTestCredentials.set("AKIDCARAVANTEST2020");
        bedrock = new FakeBedrock();
        Path budgets = Files.writeString(dir.resolve("budgets.yaml"), "global: {daily: 10}\n");
        gateway = Gateway.start(Map.of("caravan.anthropic.base-url", anthropic.baseUrl(),
                "caravan.anthropic.api-key", KEY, "caravan.anthropic.retry.max-retries", "0",
                "caravan.bedrock.enabled", "true", "caravan.bedrock.region", "us-east-1",
                "caravan.bedrock.endpoint", bedrock.endpoint().toString(), "caravan.bedrock.http1", "true",
                "caravan.bedrock.retry.max-retries", "0",
                "caravan.ledger.budgets-file", budgets.toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        anthropic.close();
        bedrock.close();
        aws.close();
    }

    @Test
    void anAnthropicStreamEndsAtTheCutAndTheModelIsStopped() throws Exception {
        anAnthropicStreamEndsAtTheCut(WROTE_ON);
    }

    @Test
    void anAnthropicStreamCutInItsFirstDeltaEndsThereAndTheModelIsStopped() throws Exception {
        anAnthropicStreamEndsAtTheCut(WROTE_ON_AT_ONCE);
    }

    private void anAnthropicStreamEndsAtTheCut(List<String> pieces) throws Exception {
        CountDownLatch upstreamClosed = new CountDownLatch(1);
        anthropic.always(writesOnAfterTheStop(pieces, upstreamClosed));
        BigDecimal spentBefore = globalSpent();

        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                "{\"model\":\"" + CLAUDE + "\"," + REQUEST_TAIL);

        assertEndedAtTheCut(stream, 30);
        assertTrue(upstreamClosed.await(10, TimeUnit.SECONDS), "Anthropic's stream was not stopped");
        CostRecord record = settledRecord(stream.header("x-request-id"), spentBefore);
        assertEquals(30, record.promptTokens(), "Anthropic's count from message_start");
        // the cut-stream estimate: the prompt, and the output the time allows, at least the text's, at most max_tokens
        assertBetween(usd(30 * 0.80 + ESTIMATED_OUTPUT * 4.00), record.cost(), usd(30 * 0.80 + 50 * 4.00));
        assertNoFailureCounted("anthropic");
    }

    @Test
    void aBedrockClaudeStreamEndsAtTheCutAndItsCallIsCancelled() throws Exception {
        List<FakeBedrock.Frame> frames = new ArrayList<>();
        frames.add(FakeBedrock.Frame.event("messageStart", "{\"role\":\"assistant\"}"));
        for (String piece : WROTE_ON) {
            frames.add(textFrame(piece));
        }
        for (int i = 0; i < DELTAS_AFTER; i++) {
            frames.add(textFrame(" more"));
        }
        bedrock.stream(BEDROCK_CLAUDE, frames);
        bedrock.frameDelayMillis(DELTA_MILLIS);
        BigDecimal spentBefore = globalSpent();

        StreamCapture stream = StreamCapture.post(gateway, "/v1/chat/completions",
                "{\"model\":\"bedrock/" + BEDROCK_CLAUDE + "\"," + REQUEST_TAIL);

        // Bedrock reports the prompt's tokens only at the stream's end, which a cut never reads: the usage chunk and
        // the record say the gateway's count of them, the one its budget hold made (not 0, as if it were free)
        assertEndedAtTheCut(stream, BEDROCK_PROMPT_ESTIMATE);
        Eventually.until(() -> bedrock.streamLog(BEDROCK_CLAUDE).abortedAtNanos != 0, 10_000,
                "the fake Bedrock sees its stream cancelled");
        assertFalse(bedrock.streamLog(BEDROCK_CLAUDE).completed);
        CostRecord record = settledRecord(stream.header("x-request-id"), spentBefore);
        assertEquals(BEDROCK_PROMPT_ESTIMATE, record.promptTokens());
        assertBetween(usd(BEDROCK_PROMPT_ESTIMATE * 0.80 + ESTIMATED_OUTPUT * 4.00), record.cost(),
                usd(BEDROCK_PROMPT_ESTIMATE * 0.80 + 50 * 4.00));
        assertNoFailureCounted("bedrock");
    }

    /** The caller's stream: the text before the stop, one finish, the usage chunk and [DONE], long before 30 s. */
    private static void assertEndedAtTheCut(StreamCapture stream, long promptTokens) throws IOException {
        assertEquals(200, stream.status(), stream.data().toString());
        assertTrue(stream.totalMillis() < PROMPTLY_MILLIS, "the stream ended after " + stream.totalMillis()
                + " ms: it waited for the provider's end");
        assertEquals("positive", stream.openAiText());
        assertEquals("[DONE]", stream.data().get(stream.data().size() - 1));
        List<JsonNode> chunks = stream.chunks();
        assertEquals(1, chunks.stream().filter(c -> c.path("choices").path(0).path("finish_reason").isTextual())
                .count(), chunks.toString());
        JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
        assertEquals(promptTokens, usage.path("prompt_tokens").asLong(), usage.toString());
        assertEquals(ESTIMATED_OUTPUT, usage.path("completion_tokens").asLong(), usage.toString());
    }

    /**
     * The request's cost record, once its budget hold is settled: its usage the usage chunk's, marked as an estimate as
     * any stream cut short; its hold settled once, at the record's cost ({@code spentBefore}: the global budget's spend
     * before the request).
     */
    private static CostRecord settledRecord(String requestId, BigDecimal spentBefore) throws Exception {
        Ledger ledger = gateway.context().getRegistry().lookupByNameAndType("ledger", Ledger.class);
        CostRecord record = Eventually.until(() -> ledger.store().find(requestId), 10_000, "the cost record");
        assertEquals(CostRecord.Status.OK, record.status(), "the caller got a whole answer");
        assertFalse(record.usageReported(), "the provider's usage never came: an estimate");
        assertEquals(ESTIMATED_OUTPUT, record.completionTokens());
        JsonNode global = Eventually.until(() -> {
            JsonNode budget = BudgetApi.globalDaily(gateway);
            return budget.path("reserved").decimalValue().signum() == 0 ? Optional.of(budget) : Optional.empty();
        }, 10_000, "the hold settled");
        assertEquals(0, record.cost().compareTo(global.path("spent").decimalValue().subtract(spentBefore)),
                "spent " + global + " before " + spentBefore.toPlainString() + ", record " + record.cost());
        return record;
    }

    private static BigDecimal globalSpent() throws Exception {
        return BudgetApi.globalDaily(gateway).path("spent").decimalValue();
    }

    private static void assertNoFailureCounted(String provider) {
        CircuitBreaker breaker = gateway.context().getRegistry().lookupByNameAndType("breakers", Breakers.class)
                .breaker(provider);
        assertEquals(0, breaker.getMetrics().getNumberOfFailedCalls(), "a cut is no provider failure");
        assertTrue(breaker.getMetrics().getNumberOfSuccessfulCalls() >= 1);
    }

    /**
     * Anthropic's stream of an answer that writes on past the stop: message_start (30 prompt tokens), the
     * {@code pieces}, then a delta every 100 ms for 30 s. {@code closed} counts down when the gateway closes the connection.
     */
    private static FakeAnthropic.Answer writesOnAfterTheStop(List<String> pieces, CountDownLatch closed) {
        return (exchange, request) -> {
            exchange.getResponseHeaders().add("content-type", "text/event-stream; charset=utf-8");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            try {
                write(out, "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_cut\","
                        + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + CLAUDE + "\",\"content\":[],"
                        + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":30,"
                        + "\"output_tokens\":1}}}");
                write(out, "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
                for (String piece : pieces) {
                    write(out, "content_block_delta", delta(piece));
                }
                for (int i = 0; i < DELTAS_AFTER; i++) {
                    FakeOpenAi.pause(DELTA_MILLIS);
                    write(out, "content_block_delta", delta(" more"));
                }
                write(out, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
                write(out, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + (DELTAS_AFTER + 3) + "}}");
                write(out, "message_stop", "{\"type\":\"message_stop\"}");
            } catch (IOException gone) {
                closed.countDown();
            }
        };
    }

    private static String delta(String text) throws IOException {
        return "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
                + JSON.writeValueAsString(text) + "}}";
    }

    private static void write(OutputStream out, String event, String data) throws IOException {
        out.write(("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static FakeBedrock.Frame textFrame(String text) throws IOException {
        return FakeBedrock.Frame.event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":"
                + JSON.writeValueAsString(text) + "}}");
    }

    private static void assertBetween(BigDecimal least, BigDecimal value, BigDecimal most) {
        assertTrue(value.compareTo(least) >= 0 && value.compareTo(most) <= 0,
                value.toPlainString() + " not within " + least.toPlainString() + " and " + most.toPlainString());
    }

    /** US dollars for {@code microDollars} millionths of a dollar (prices are per million tokens). */
    private static BigDecimal usd(double microDollars) {
        return BigDecimal.valueOf(microDollars).movePointLeft(6);
    }
}
