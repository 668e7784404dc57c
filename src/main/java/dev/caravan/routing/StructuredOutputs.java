package dev.caravan.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.GatewayException;
import dev.caravan.core.JsonAnswerTool;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which targets can honour OpenAI's {@code response_format} of type json_object or json_schema. OpenAI-shaped upstreams
 * get it as sent; Anthropic, and Bedrock's models that accept a forced tool choice, get it as a tool the model must
 * call ({@link JsonAnswerTool}); the Claude models that take no forced tool call get a schema as their own output
 * format ({@link ForcedToolCalls}). The Bedrock model families known to take only "auto" (Meta Llama, Cohere, AI21,
 * DeepSeek, Writer, Titan text, Mistral's smaller models) or no tools at all (Claude 2 and Instant) would answer
 * free text or a 400, so they are refused up front (the requested model) or left out (a fallback). A model whose id
 * names no family (an application inference profile's ARN) goes by the family the catalog declares for it; any other
 * Bedrock model, and such an ARN of Anthropic's, Amazon's, Nova's or Mistral's or of no declared family, is sent the
 * tool (declare a Titan profile {@code titan} to have it refused up front).
 */
final class StructuredOutputs {

    /** Bedrock model ids (bare, with a cross-region prefix, or in an inference profile's ARN) that cannot be forced. */
    private static final Pattern NO_FORCED_TOOL_CHOICE = Pattern.compile("(?:^|[./])(?:(?:meta|cohere|ai21|deepseek|"
            + "writer)\\.|amazon\\.titan|mistral\\.(?!mistral-large|pixtral-large)|anthropic\\.claude-(?:v2|instant))");
    /** Declared families (see ModelCatalog) none of whose models can be forced. */
    private static final Set<String> FAMILIES_NOT_FORCED = Set.of("titan", "meta", "cohere", "ai21", "deepseek",
            "writer");

    private StructuredOutputs() {
    }

    /** The structured {@code response_format} type the request asks for, or null (none, or "text"). */
    static String requested(ChatRequest request) {
        JsonNode format = JsonAnswerTool.requestedFormat(request);
        return format == null ? null : format.path("type").asText();
    }

    static boolean honouredBy(Target target) {
        if (!"bedrock".equals(target.provider())) {
            return true;
        }
        // a declared family agrees with the one the id names but may hold more of it (amazon holds Titan): the id's
        // own refusal stands
        return !NO_FORCED_TOOL_CHOICE.matcher(target.model()).find()
                && (target.family() == null || !FAMILIES_NOT_FORCED.contains(target.family()));
    }

    /**
     * True when {@code target}'s provider gets structured outputs translated: as a tool ({@link JsonAnswerTool}), or,
     * for a Claude model that takes no forced tool call, as the provider's own output format; either way the format
     * must be one the answer's tool could carry.
     */
    static boolean askedWithATool(Target target) {
        return "anthropic".equals(target.provider()) || "bedrock".equals(target.provider());
    }

    /** The 400 for a requested model none of whose deployments can honour {@code type}. */
    static GatewayException unsupported(String type, String model, Target target) {
        return GatewayException.invalidRequest("response_format", "response_format '" + type + "' is not supported "
                + "for model '" + model + "': it is served by Bedrock model '" + target.model() + "', which cannot be "
                + "made to call a tool (Caravan asks Bedrock for JSON with a forced tool choice, which Anthropic "
                + "Claude 3 and later, Amazon Nova and Mistral Large models accept). Use one of those, or leave "
                + "response_format out.");
    }
}
