package dev.caravan.providers.bedrock;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ToolCall;
import dev.caravan.core.ToolChoice;
import dev.caravan.core.ToolDefinition;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Requests and clients the Bedrock tests share. */
final class TestRequests {

    static final ObjectMapper JSON = new ObjectMapper();
    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLEKEY12345", "not-a-real-secret"));

    private TestRequests() {
    }

    static BedrockClients clients(URI endpoint) {
        return new BedrockClients(Region.US_EAST_1, endpoint, CREDENTIALS, Duration.ofSeconds(2),
                Duration.ofSeconds(10), true, 1);
    }

    static ChatRequest chat(ChatMessage... messages) {
        return request(List.of(messages), List.of(), null);
    }

    static ChatRequest request(List<ChatMessage> messages, List<ToolDefinition> tools, ToolChoice choice) {
        return new ChatRequest("bedrock/test", messages, null, null, null, null, false, false, tools, choice, null,
                null);
    }

    static ToolDefinition weatherTool(String name) {
        try {
            return new ToolDefinition(name, "Current weather for a city", JSON.readTree(
                    "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ChatMessage assistantCalling(ToolCall... calls) {
        return new ChatMessage("assistant", List.of(), List.of(calls), null, null);
    }

    static ChatMessage toolResult(String toolCallId, String text) {
        return new ChatMessage("tool", List.of(dev.caravan.core.ContentPart.text(text)), List.of(), toolCallId, null);
    }
}
