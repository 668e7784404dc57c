package dev.caravan.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which Claude models think adaptively, read from the ids Anthropic's API and Bedrock use: 4.6 and later, and the
 * Mythos and Fable models with a version or without; older models, and ids that name no model, keep the budget form.
 */
class AdaptiveThinkingTest {

    @ParameterizedTest(name = "{0}: version {1}, adaptive {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "claude-opus-4-6                                   | 4.6 | true",
            "claude-sonnet-4-6                                 | 4.6 | true",
            "claude-opus-4-7                                   | 4.7 | true",
            "claude-opus-5                                     | 5.0 | true",
            "claude-haiku-5-5                                  | 5.5 | true",
            "claude-fable-5                                    | 5.0 | true",
            "claude-mythos-5-1                                 | 5.1 | true",
            "claude-mythos-preview                             | -   | true",
            "claude-sonnet-4-5-20250929                        | 4.5 | false",
            "claude-haiku-4-5-20251001                         | 4.5 | false",
            "claude-opus-4-5-20251101                          | 4.5 | false",
            "claude-opus-4-1-20250805                          | 4.1 | false",
            "claude-sonnet-4-20250514                          | 4.0 | false",
            "claude-opus-4-20250514                            | 4.0 | false",
            "claude-3-7-sonnet-20250219                        | 3.7 | false",
            "claude-3-5-haiku-20241022                         | 3.5 | false",
            "claude-3-opus-20240229                            | 3.0 | false",
            "anthropic.claude-opus-4-6-v1                      | 4.6 | true",
            "anthropic.claude-opus-4-6-v1:0                    | 4.6 | true",
            "us.anthropic.claude-sonnet-4-6                    | 4.6 | true",
            "anthropic.claude-opus-4-7                         | 4.7 | true",
            "anthropic.claude-mythos-preview                   | -   | true",
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0      | 4.5 | false",
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0      | 3.7 | false",
            "anthropic.claude-v2:1                             | -   | false",
            "anthropic.claude-instant-v1                       | -   | false",
            "claude-house-special                              | -   | false",
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-6-v1 | 4.6 | true",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6 | - | false"})
    void readsTheVersionFromTheIdAndThinksAdaptivelyFrom46On(String id, String version, boolean adaptive) {
        assertEquals(version, version(id));
        assertEquals(adaptive, AdaptiveThinking.takes(id));
    }

    @ParameterizedTest(name = "{0} on {1}: {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "minimal | claude-opus-4-6       | low",
            "low     | claude-sonnet-4-6     | low",
            "medium  | claude-opus-4-7       | medium",
            "high    | claude-opus-4-6       | high",
            "xhigh   | claude-opus-4-6       | max",
            "xhigh   | claude-sonnet-4-6     | max",
            "xhigh   | claude-mythos-preview | max",
            "xhigh   | claude-opus-4-7       | xhigh",
            "xhigh   | claude-fable-5        | xhigh",
            "xhigh   | anthropic.claude-opus-4-7 | xhigh",
            "none    | claude-opus-4-6       | -",
            "-       | claude-opus-4-6       | -"})
    void mapsOpenAisEffortToAnthropicsXhighWhereItIsDocumentedElseMax(String effort, String model, String sent) {
        assertEquals(sent, AdaptiveThinking.effort(effort, model));
    }

    @ParameterizedTest(name = "{0}: thinking text omitted by default {1}")
    @CsvSource(delimiter = '|', value = {
            "claude-opus-4-7                                   | true",
            "claude-opus-4-8                                   | true",
            "claude-sonnet-5                                   | true",
            "claude-fable-5-1                                  | true",
            "claude-mythos-preview                             | true",
            "us.anthropic.claude-opus-4-7                      | true",
            "claude-opus-4-6                                   | false",
            "claude-sonnet-4-6                                 | false",
            "anthropic.claude-opus-4-6-v1:0                    | false",
            "claude-3-7-sonnet-20250219                        | false",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6 | false"})
    void opus47AndLaterLeaveTheirThinkingTextOutUnlessAsked(String id, boolean omitted) {
        assertEquals(omitted, AdaptiveThinking.omitsThinkingByDefault(id));
    }

    /** The version {@code id} names, as "4.6"; null when it names none. */
    private static String version(String id) {
        ClaudeModelVersion version = ClaudeModelVersion.of(id);
        return version == null || version.major() < 0 ? null : version.major() + "." + version.minor();
    }
}
