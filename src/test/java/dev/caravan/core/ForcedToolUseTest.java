package dev.caravan.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which Claude models refuse a forced tool call, read from the ids Anthropic's API and Bedrock use: Opus and Sonnet 5.5
 * and later, and Fable; Haiku 5.5, Opus 5, Sonnet 5 and older take one, as do ids that name no model (the provider
 * decides).
 */
class ForcedToolUseTest {

    @ParameterizedTest(name = "{0}: refused {1}")
    @CsvSource(delimiter = '|', value = {
            "claude-opus-5-5                                   | true",
            "claude-sonnet-5-5                                 | true",
            "claude-haiku-5-5                                  | false",
            "claude-opus-6                                     | true",
            "claude-fable-5-1                                  | true",
            "claude-fable-5-2                                  | true",
            "anthropic.claude-opus-5-5                         | true",
            "us.anthropic.claude-sonnet-5-5-v1:0               | true",
            "anthropic.claude-haiku-5-5-v1:0                   | false",
            "claude-opus-5                                     | false",
            "claude-sonnet-5                                   | false",
            "claude-opus-4-8                                   | false",
            "claude-opus-4-7                                   | false",
            "claude-sonnet-4-5-20250929                        | false",
            "claude-3-7-sonnet-20250219                        | false",
            "claude-mythos-preview                             | false",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6 | false",
            "gpt-4o                                            | false"})
    void readsTheModelsThatTakeNoForcedToolCall(String modelId, boolean refused) {
        assertEquals(refused, ForcedToolUse.refusedBy(modelId));
    }
}
