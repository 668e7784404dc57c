package dev.caravan.providers.bedrock;

import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ToolCall;
import dev.caravan.core.ToolDefinition;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The caller's tool names and the names Bedrock accepts ({@code ^[a-zA-Z0-9_-]{1,64}$}), both ways, for one request.
 * Names that are already valid stay as they are; others are sanitised and made unique.
 */
public final class ToolNameMap {

    private static final Pattern VALID = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");
    private static final Pattern INVALID_CHARS = Pattern.compile("[^a-zA-Z0-9_-]");
    private static final int MAX_LENGTH = 64;

    private final Map<String, String> toBedrock = new HashMap<>();
    private final Map<String, String> toCaller = new HashMap<>();

    /** The names of every tool the request offers or its history calls. */
    public static ToolNameMap of(ChatRequest request) {
        ToolNameMap names = new ToolNameMap();
        for (ToolDefinition tool : request.tools()) {
            names.bedrockName(tool.name());
        }
        for (ChatMessage message : request.messages()) {
            for (ToolCall call : message.toolCalls()) {
                names.bedrockName(call.name());
            }
        }
        return names;
    }

    /** The name Bedrock sees for {@code callerName}, assigning one on first use. */
    public synchronized String bedrockName(String callerName) {
        String known = toBedrock.get(callerName);
        if (known != null) {
            return known;
        }
        String candidate = sanitise(callerName);
        for (int n = 2; toCaller.containsKey(candidate); n++) {
            String suffix = "_" + n;
            String base = sanitise(callerName);
            candidate = base.substring(0, Math.min(base.length(), MAX_LENGTH - suffix.length())) + suffix;
        }
        toBedrock.put(callerName, candidate);
        toCaller.put(candidate, callerName);
        return candidate;
    }

    /** The caller's name for a name Bedrock answered with (unchanged when Bedrock made it up). */
    public synchronized String callerName(String bedrockName) {
        return toCaller.getOrDefault(bedrockName, bedrockName);
    }

    private static String sanitise(String name) {
        if (name != null && VALID.matcher(name).matches()) {
            return name;
        }
        String cleaned = name == null ? "" : INVALID_CHARS.matcher(name).replaceAll("_");
        if (cleaned.isEmpty()) {
            cleaned = "tool";
        }
        return cleaned.length() > MAX_LENGTH ? cleaned.substring(0, MAX_LENGTH) : cleaned;
    }
}
