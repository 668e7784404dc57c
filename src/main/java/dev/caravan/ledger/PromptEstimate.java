package dev.caravan.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ContentPart;
import dev.caravan.core.JsonAnswerTool;
import dev.caravan.core.ToolCall;
import dev.caravan.core.ToolDefinition;
import dev.caravan.routing.Target;

/**
 * The gateway's own count of a request's prompt in tokens, generous (no tokenizer yields more tokens than characters):
 * what a budget holds for the prompt before the call, and what a stream that ended before its provider reported the
 * prompt is taken to have used.
 */
public final class PromptEstimate {

    /** Role and framing tokens a provider adds per message. */
    private static final int TOKENS_PER_MESSAGE = 8;
    /** The most a provider charges for one image (a large high-detail image) is in the low thousands of tokens. */
    private static final int TOKENS_PER_IMAGE = 6_400;
    /** Framing tokens a provider adds per tool definition (OpenAI's cookbook counts up to 10 each, 12 a list). */
    private static final int TOKENS_PER_TOOL = 22;
    /**
     * The system prompt a Claude model is given when tools are offered: Anthropic documents 159 to 530 tokens by model
     * and tool choice (313-346 for its current models, 530 for Claude 3 Opus with auto). Held only for the targets that
     * add such a prompt ({@link #toolUsePromptTokens}).
     */
    private static final int TOOL_USE_PROMPT_TOKENS = 530;

    private PromptEstimate() {
    }

    /** The request's prompt in tokens as {@code target} is sent it. */
    public static long tokens(ChatRequest request, Target target) {
        return tokens(request) + toolUsePromptTokens(toolsOffered(request), target);
    }

    /**
     * The request's prompt in tokens as every target is sent it: without the tool-use system prompt only some add
     * ({@link #toolUsePromptTokens}).
     */
    static long tokens(ChatRequest request) {
        long promptTokens = 1;
        for (ChatMessage message : request.messages()) {
            promptTokens += TOKENS_PER_MESSAGE;
            for (ContentPart part : message.content()) {
                // the text's length, read without joining the parts (this runs for every request's budget hold)
                promptTokens += !part.isText() ? TOKENS_PER_IMAGE : part.text() == null ? 0 : part.text().length();
            }
            for (ToolCall toolCall : message.toolCalls()) {
                promptTokens += toolCall.name().length() + toolCall.arguments().length();
            }
        }
        for (ToolDefinition tool : request.tools()) {
            promptTokens += TOKENS_PER_TOOL + tool.name().length()
                    + (tool.description() == null ? 0 : tool.description().length())
                    + (tool.parameters() == null ? 0 : tool.parameters().toString().length());
        }
        JsonNode format = JsonAnswerTool.requestedFormat(request);
        if (format != null) {
            // OpenAI bills the format's schema as prompt; Anthropic and Bedrock are sent it as a tool (JsonAnswerTool)
            promptTokens += format.toString().length();
        }
        return promptTokens;
    }

    /** Whether tools are offered: the caller's, or the structured answer's (sent to Anthropic and Bedrock as a tool). */
    static boolean toolsOffered(ChatRequest request) {
        return !request.tools().isEmpty() || JsonAnswerTool.requestedFormat(request) != null;
    }

    /**
     * The tool-use system prompt {@code target} adds to a request, in tokens: when tools are offered
     * ({@link #toolsOffered}), Anthropic adds one to Claude's
     * prompt, on its own API and on Bedrock. Bedrock's other model families get tools through prompt templates of their
     * own whose size is not documented: they are held as much, so as not to hold too little. OpenAI's API renders the
     * tools without such a prompt (their framing is {@link #TOKENS_PER_TOOL}).
     */
    static long toolUsePromptTokens(boolean toolsOffered, Target target) {
        boolean addsPrompt = "anthropic".equals(target.provider()) || "bedrock".equals(target.provider());
        return addsPrompt && toolsOffered ? TOOL_USE_PROMPT_TOKENS : 0;
    }
}
