package dev.caravan.core;

/**
 * Which Claude models take the sampling parameters (temperature, top_p, top_k), read from the model id. Anthropic
 * removed them from Opus 4.7 on (Opus 4.8, the Claude 5 models, Mythos and Fable): a request that carries them is a
 * 400 there, with or without thinking, and prompting is what steers those models. OpenAI-shaped callers send a
 * temperature routinely (SDK and framework defaults), so the gateway leaves the fields out for such a model rather
 * than fail the request, as LiteLLM's drop_params and OpenRouter do. Any other model, and an id that names no Claude
 * model (an application inference profile's ARN), is sent them.
 */
public final class SamplingParameters {

    private SamplingParameters() {
    }

    /** Whether model {@code modelId} (Anthropic's id, a Bedrock model id, profile or ARN) is sent sampling fields. */
    public static boolean takenBy(String modelId) {
        ClaudeModelVersion version = ClaudeModelVersion.of(modelId);
        return version == null || !version.fromOpus47On();
    }
}
