package dev.caravan.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Claude 3.7 Sonnet and later can think; 3.5 and older (Claude 2 and Instant too) cannot; an id without a version is
 * left to the provider.
 */
class ExtendedThinkingTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "claude-3-7-sonnet-20250219, true",
            "claude-sonnet-4-20250514, true",
            "claude-haiku-4-5-20251001, true",
            "claude-opus-4-7, true",
            "claude-mythos-preview, true",
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0, true",
            "anthropic.claude-opus-4-6-v1, true",
            "claude-3-5-haiku-20241022, false",
            "claude-3-5-sonnet-20241022, false",
            "claude-3-haiku-20240307, false",
            "claude-3-opus-20240229, false",
            "anthropic.claude-3-5-sonnet-20240620-v1:0, false",
            "eu.anthropic.claude-3-haiku-20240307-v1:0, false",
            "anthropic.claude-v2:1, false",
            "anthropic.claude-instant-v1, false",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6, true"})
    void claudeThinksFromThreeSevenSonnetOn(String model, boolean thinks) {
        assertEquals(thinks, ExtendedThinking.takenBy(model));
    }
}
