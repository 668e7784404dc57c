package dev.caravan.routing;

import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;

/**
 * Which targets can honour OpenAI's {@code logprobs: true}. OpenAI-shaped upstreams get it as sent and answer the
 * log probabilities; Anthropic and Bedrock have no such output, so a requested model served only there is refused up
 * front and such fallbacks are left out, rather than answering without what was asked. The built-in mock answers as
 * it always does.
 */
final class Logprobs {

    private Logprobs() {
    }

    static boolean requested(ChatRequest request) {
        return request.original() != null && request.original().path("logprobs").asBoolean(false);
    }

    static boolean honouredBy(Target target) {
        return !"anthropic".equals(target.provider()) && !"bedrock".equals(target.provider());
    }

    /** The 400 for a requested model none of whose deployments can answer log probabilities. */
    static GatewayException unsupported(String model, Target target) {
        return GatewayException.invalidRequest("logprobs", "logprobs is not supported for model '" + model
                + "': it is served by " + target.name() + ", and " + target.provider() + " does not return log "
                + "probabilities. Use an OpenAI model, or leave logprobs out.");
    }
}
