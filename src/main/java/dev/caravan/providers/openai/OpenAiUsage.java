package dev.caravan.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.Usage;

/** OpenAI's usage object: prompt tokens include cached ones; reasoning tokens are part of completion tokens. */
final class OpenAiUsage {

    private OpenAiUsage() {
    }

    static Usage read(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        return new Usage(usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong(),
                usage.path("prompt_tokens_details").path("cached_tokens").asLong(), 0,
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong());
    }
}
