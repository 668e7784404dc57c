package dev.caravan.routing;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StructuredOutputsTest {

    @ParameterizedTest(name = "{0} {1}: {2}")
    @CsvSource({
            "openai,    gpt-4o-mini,                                   true",
            "anthropic, claude-3-5-haiku-20241022,                     true",
            "bedrock,   anthropic.claude-3-5-haiku-20241022-v1:0,      true",
            "bedrock,   us.anthropic.claude-3-7-sonnet-20250219-v1:0,  true",
            "bedrock,   arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0, true",
            "bedrock,   amazon.nova-micro-v1:0,                        true",
            "bedrock,   mistral.mistral-large-2402-v1:0,               true",
            "bedrock,   meta.llama3-1-8b-instruct-v1:0,                false",
            "bedrock,   cohere.command-r-v1:0,                         false",
            "bedrock,   amazon.titan-text-express-v1,                  false",
            "bedrock,   mistral.mistral-7b-instruct-v0:2,              false",
            "bedrock,   anthropic.claude-v2:1,                         false",
            "bedrock,   anthropic.claude-instant-v1,                   false",
            "bedrock,   us.meta.llama3-2-90b-instruct-v1:0,            false",
            "bedrock,   arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3h9x2abcd12, true",
            "bedrock,   anthropic.claude-sonnet-4-20250514-v1:0,       true"})
    void bedrockHonoursItExceptWithModelsKnownNotToTakeAForcedToolChoice(String provider, String model, boolean honoured) {
        assertEquals(honoured, StructuredOutputs.honouredBy(new Target(provider, model)));
    }

    @ParameterizedTest(name = "declared {0}: {1}")
    @CsvSource({"anthropic, true", "amazon, true", "nova, true", "titan, false", "mistral, true", "meta, false", "cohere, false",
            "ai21, false", "deepseek, false", "writer, false"})
    void anApplicationInferenceProfileGoesByTheFamilyTheCatalogDeclares(String family, boolean honoured) {
        String arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3h9x2abcd12";

        assertEquals(honoured, StructuredOutputs.honouredBy(new Target("bedrock", arn, null, family)));
    }

    /** The catalog takes a family declared for an id that names its own when they agree (amazon holds Titan). */
    @ParameterizedTest(name = "{0} declared {1}: {2}")
    @CsvSource({
            "amazon.titan-text-express-v1,       amazon,    false",
            "us.amazon.titan-text-premier-v1:0,  amazon,    false",
            "mistral.mistral-7b-instruct-v0:2,   mistral,   false",
            "anthropic.claude-v2:1,              anthropic, false",
            "amazon.nova-pro-v1:0,               amazon,    true",
            "mistral.mistral-large-2402-v1:0,    mistral,   true"})
    void aFamilyDeclaredForAnIdThatNamesItsOwnDoesNotLetThroughAModelTheIdRefuses(String model, String family,
                                                                                  boolean honoured) {
        assertEquals(honoured, StructuredOutputs.honouredBy(new Target("bedrock", model, null, family)));
    }
}
