package dev.caravan.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which models are sent temperature and top_p, read from the ids Anthropic's API and Bedrock use: not Opus 4.7 and
 * later, the Claude 5 models, Mythos or Fable, which refuse them; every older Claude, and an id that names no Claude
 * model, is.
 */
class SamplingParametersTest {

    @ParameterizedTest(name = "{0}: sampling {1}")
    @CsvSource(delimiter = '|', value = {
            "claude-opus-4-7                                   | false",
            "claude-opus-4-8                                   | false",
            "claude-opus-5                                     | false",
            "claude-sonnet-5                                   | false",
            "claude-haiku-5-5                                  | false",
            "claude-fable-5-1                                  | false",
            "claude-mythos-5                                   | false",
            "claude-mythos-preview                             | false",
            "anthropic.claude-opus-4-7                         | false",
            "us.anthropic.claude-opus-4-8-v1:0                 | false",
            "anthropic.claude-fable-5                          | false",
            "claude-opus-4-6                                   | true",
            "claude-sonnet-4-6                                 | true",
            "claude-haiku-4-5-20251001                         | true",
            "claude-sonnet-4-20250514                          | true",
            "claude-3-7-sonnet-20250219                        | true",
            "us.anthropic.claude-sonnet-4-6                    | true",
            "anthropic.claude-instant-v1                       | true",
            "amazon.nova-pro-v1:0                              | true",
            "gpt-4o-mini                                       | true",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6 | true"})
    void theNewestClaudeModelsAreSentNoSamplingParameters(String id, boolean sampled) {
        assertEquals(sampled, SamplingParameters.takenBy(id));
    }
}
