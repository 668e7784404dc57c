package dev.caravan.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.providers.bedrock.AwsTestCredentials;
import dev.caravan.providers.bedrock.FakeBedrock;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Bedrock answer slower than the request's time limit ends at that limit, not at Bedrock's longer call timeout. */
class BedrockDeadlineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long REQUEST_LIMIT_MS = 1_000;

    @TempDir
    static Path dir;
    static FakeBedrock bedrock;
    static Gateway gateway;
    static AwsTestCredentials aws;

    @BeforeAll
    static void start() throws Exception {
        aws = AwsTestCredentials.set("AKIDCARAVANDEADLINE1");
        bedrock = new FakeBedrock();
        gateway = Gateway.start(Map.of("caravan.bedrock.enabled", "true", "caravan.bedrock.region", "us-east-1",
                "caravan.bedrock.endpoint", bedrock.endpoint().toString(), "caravan.bedrock.http1", "true",
                "caravan.bedrock.retry.max-retries", "0",
                "caravan.bedrock.call-timeout-ms", "30000",
                "caravan.request.timeout-ms", Long.toString(REQUEST_LIMIT_MS),
                "caravan.ledger.budgets-file", Files.writeString(dir.resolve("budgets.yaml"), "").toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        bedrock.close();
        aws.close();
    }

    @Test
    void aSlowAnswerIsCutAtTheRequestsDeadline() throws Exception {
        bedrock.converseDelayMillis(6_000);
        long start = System.nanoTime();
        HttpResponse<String> response = gateway.post("/v1/chat/completions", "{\"model\":\"bedrock/"
                + "anthropic.claude-3-5-haiku-20241022-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(504, response.statusCode(), response.body());
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertTrue(error.path("code").asText().endsWith("timeout"), error.toString());
        // the answer would have come after 6 s, within Bedrock's 30 s call timeout
        assertTrue(millis < 4_000, "answered after " + millis + " ms");
    }
}
