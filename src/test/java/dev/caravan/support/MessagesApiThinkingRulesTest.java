package dev.caravan.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fake Messages API refuses the thinking form a model does not take, as the real one does. */
class MessagesApiThinkingRulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0} with {1}: {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "claude-opus-4-7            | {\"type\":\"enabled\",\"budget_tokens\":1024} | - "
                    + "| thinking.type.enabled is not supported for this model. Use thinking.type.adaptive and "
                    + "output_config.effort",
            "claude-mythos-preview      | {\"type\":\"disabled\"}                      | - "
                    + "| thinking.type.disabled is not supported for this model. Use thinking.type.adaptive and "
                    + "output_config.effort",
            "claude-sonnet-4-5-20250929 | {\"type\":\"adaptive\"}                      | high "
                    + "| thinking.type.adaptive is not supported for this model. Use thinking.type.enabled with "
                    + "budget_tokens",
            "claude-opus-4-6            | {\"type\":\"adaptive\"}                      | xhigh "
                    + "| output_config.effort: 'xhigh' is not supported for this model",
            "claude-opus-4-6            | {\"type\":\"enabled\",\"budget_tokens\":1024} | -     | -",
            "claude-opus-4-6            | {\"type\":\"adaptive\"}                      | max   | -",
            "claude-opus-4-7            | {\"type\":\"adaptive\"}                      | xhigh | -",
            "claude-sonnet-4-5-20250929 | {\"type\":\"enabled\",\"budget_tokens\":1024} | -     | -",
            "claude-opus-4-7            | {\"type\":\"adaptive\",\"display\":\"summarized\"} | high | -",
            "claude-opus-4-7            | {\"type\":\"adaptive\",\"display\":\"full\"} | high "
                    + "| thinking.adaptive.display: Input should be 'summarized' or 'omitted'"})
    void refusesTheThinkingFormTheModelDoesNotTake(String model, String thinking, String effort, String refusal)
            throws Exception {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":4096,\"thinking\":" + thinking
                + (effort == null ? "" : ",\"output_config\":{\"effort\":\"" + effort + "\"}")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        assertEquals(refusal, MessagesApiRules.violation(JSON.readTree(body)));
    }

    @ParameterizedTest(name = "{0} with {1}: {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "claude-opus-4-7            | \"temperature\":0.7   | `temperature` is deprecated for this model.",
            "claude-opus-4-7            | \"temperature\":1     | `temperature` is deprecated for this model.",
            "claude-fable-5             | \"top_p\":0.9         | `top_p` is deprecated for this model.",
            "claude-mythos-preview      | \"top_k\":40          | `top_k` is deprecated for this model.",
            "claude-opus-4-6            | \"temperature\":0.7   | -",
            "claude-sonnet-4-5-20250929 | \"top_p\":0.9         | -"})
    void refusesSamplingParametersOnTheModelsThatTakeNone(String model, String field, String refusal)
            throws Exception {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":256," + field
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        assertEquals(refusal, MessagesApiRules.violation(JSON.readTree(body)));
    }
}
