package dev.caravan.routing;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ToolCall;

import java.util.List;

/**
 * Which targets can take tool calls of the history whose arguments are no JSON object (a model may write such, as
 * OpenAI warns; OpenAI takes them back as written). Anthropic and Bedrock take a call's input as a JSON object only
 * when they get the calls as tool blocks (a request that offers tools; without, the turns go as text, arguments as
 * written), and the caller's history is never rewritten to fit: a requested model served only there is refused up
 * front and such fallbacks are left out.
 */
final class ToolCallArguments {

    private ToolCallArguments() {
    }

    /**
     * The first tool call of {@code request} whose arguments one of its {@code candidates} cannot take, or null; the
     * arguments are read only when a candidate would get the calls as tool blocks.
     */
    static ToolCall refusedByACandidate(ChatRequest request, List<List<WeightedTarget>> candidates) {
        return WeightedTarget.anyIn(candidates, target -> !honouredBy(target, request)) ? notAnObject(request) : null;
    }

    private static ToolCall notAnObject(ChatRequest request) {
        for (ChatMessage message : request.messages()) {
            for (ToolCall call : message.toolCalls()) {
                if (!call.argumentsAreAnObject()) {
                    return call;
                }
            }
        }
        return null;
    }

    /** Whether {@code target} takes any arguments as written: the conditions are the encoders' for tool blocks. */
    static boolean honouredBy(Target target, ChatRequest request) {
        boolean offersTools = !request.tools().isEmpty();
        return switch (target.provider()) {
            case "anthropic" -> !offersTools;
            case "bedrock" -> !offersTools
                    || request.toolChoice() != null && "none".equals(request.toolChoice().mode());
            default -> true;
        };
    }
}
