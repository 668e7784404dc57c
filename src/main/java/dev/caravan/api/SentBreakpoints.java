package dev.caravan.api;

import dev.caravan.core.CacheBreakpoint;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ContentPart;
import dev.caravan.core.GatewayException;
import dev.caravan.core.ToolDefinition;

import java.util.ArrayList;
import java.util.List;

/**
 * The prompt-caching breakpoints a request's {@code cache_control} markers make as Anthropic and Bedrock receive them,
 * in their order of the prompt: tools, then system messages, then the other messages. A message's marker marks its
 * last block, which is one breakpoint with its last part's marker when that part is marked too; a tool message is one
 * block, so all its markers are one breakpoint; a part that is sent as no block (text of whitespace alone, an image in
 * a system message) makes none. Both providers refuse more than four, and one kept for an hour after one kept for five
 * minutes; such a request is refused whatever its target, since its fallbacks may reach either.
 */
final class SentBreakpoints {

    /** Anthropic's limit per request, which Bedrock's cache points share. */
    private static final int MOST_BREAKPOINTS = 4;

    /** A breakpoint as sent: the first marker that makes it, and whether it is kept for an hour. */
    private record Breakpoint(String path, boolean oneHour) {
    }

    private final List<Breakpoint> inPromptOrder = new ArrayList<>();

    private SentBreakpoints() {
    }

    /** Refuses (400, naming the marker) the markers of a request whose breakpoints a provider would refuse. */
    static void check(List<ChatMessage> messages, List<ToolDefinition> tools) {
        SentBreakpoints sent = new SentBreakpoints();
        for (int i = 0; i < tools.size(); i++) {
            sent.addIfMarked("tools[" + i + "]", tools.get(i).cache());
        }
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).isSystem()) {
                sent.add(messages.get(i), "messages[" + i + "]");
            }
        }
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).isSystem()) {
                sent.add(messages.get(i), "messages[" + i + "]");
            }
        }
        sent.checkCount();
        sent.checkTtlOrder();
    }

    private Breakpoint addIfMarked(String path, CacheBreakpoint marker) {
        if (marker == null) {
            return null;
        }
        Breakpoint breakpoint = new Breakpoint(path + ".cache_control", marker.oneHour());
        inPromptOrder.add(breakpoint);
        return breakpoint;
    }

    private void add(ChatMessage message, String path) {
        if ("tool".equals(message.role())) {
            addToolResult(message, path);
            return;
        }
        boolean anyBlock = false;
        Breakpoint onLastPart = null;
        for (int j = 0; j < message.content().size(); j++) {
            ContentPart part = message.content().get(j);
            // a system message is sent as its text alone
            if (part.isBlock() && (part.isText() || !message.isSystem())) {
                anyBlock = true;
                onLastPart = addIfMarked(path + ".content[" + j + "]", part.cache());
            }
        }
        if (!message.toolCalls().isEmpty()) {
            addIfMarked(path, message.cache()); // on its last tool call's block
        } else if (anyBlock) {
            onSameBlock(onLastPart, path, message.cache());
        }
    }

    /** A tool message is sent as one tool result block: whatever marks it makes one breakpoint. */
    private void addToolResult(ChatMessage message, String path) {
        Breakpoint breakpoint = null;
        for (int j = 0; j < message.content().size(); j++) {
            breakpoint = onSameBlock(breakpoint, path + ".content[" + j + "]", message.content().get(j).cache());
        }
        onSameBlock(breakpoint, path, message.cache());
    }

    /**
     * The breakpoint of a block that {@code marker} marks too: {@code marked}, or a new one when that is null; two
     * markers on one block are one breakpoint, which has one ttl.
     */
    private Breakpoint onSameBlock(Breakpoint marked, String path, CacheBreakpoint marker) {
        if (marked == null || marker == null) {
            return marked == null ? addIfMarked(path, marker) : marked;
        }
        String at = path + ".cache_control";
        if (marked.oneHour() != marker.oneHour()) {
            throw GatewayException.invalidRequest(at, "'" + at + "' asks to be kept for " + lifetime(marker.oneHour())
                    + " and '" + marked.path() + "' for " + lifetime(marked.oneHour()) + ", but they mark the same "
                    + "block (a message's marker marks its last block; a tool message is one block): give them one "
                    + "ttl");
        }
        return marked;
    }

    private void checkCount() {
        if (inPromptOrder.size() > MOST_BREAKPOINTS) {
            String fifth = inPromptOrder.get(MOST_BREAKPOINTS).path();
            throw GatewayException.invalidRequest(fifth, "A request may carry at most " + MOST_BREAKPOINTS
                    + " cache_control breakpoints (in the order tools, system messages, other messages); '" + fifth
                    + "' is breakpoint " + (MOST_BREAKPOINTS + 1));
        }
    }

    private void checkTtlOrder() {
        Breakpoint fiveMinutes = null;
        for (Breakpoint breakpoint : inPromptOrder) {
            if (!breakpoint.oneHour()) {
                fiveMinutes = fiveMinutes == null ? breakpoint : fiveMinutes;
            } else if (fiveMinutes != null) {
                throw GatewayException.invalidRequest(breakpoint.path(), "'" + breakpoint.path() + "' asks to be "
                        + "kept for " + lifetime(true) + " after '" + fiveMinutes.path() + "', kept for "
                        + lifetime(false) + ": breakpoints kept for an hour must come before those kept for 5 minutes, "
                        + "in the order tools, system messages, other messages");
            }
        }
    }

    private static String lifetime(boolean oneHour) {
        return oneHour ? "an hour (\"1h\")" : "5 minutes (\"5m\", the default)";
    }
}
