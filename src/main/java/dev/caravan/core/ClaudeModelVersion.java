package dev.caravan.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Claude model's family and version from its id: {@code claude-opus-4-6}, {@code claude-sonnet-4-20250514} (4.0: an
 * eight-digit date is no minor version), {@code claude-3-7-sonnet-20250219} (the version first),
 * {@code us.anthropic.claude-opus-4-6-v1:0}. {@code major} is -1 when the id names a family but no version
 * ({@code claude-mythos-preview}). The one reading of model ids that {@link AdaptiveThinking} and
 * {@link SamplingParameters} share.
 */
record ClaudeModelVersion(String family, int major, int minor) {

    /** The families whose models all belong to the newest generation, with a version in the id or without one. */
    private static final Set<String> NEWEST_FAMILIES = Set.of("mythos", "fable");
    /** Compiled once: the id is read for every Claude request (String.matches would compile each time). */
    private static final Pattern VERSION_NUMBER = Pattern.compile("\\d{1,2}");
    private static final Pattern FAMILY_NAME = Pattern.compile("[a-z]+");

    boolean atLeast(int wantedMajor, int wantedMinor) {
        return major > wantedMajor || (major == wantedMajor && minor >= wantedMinor);
    }

    /** A Mythos or Fable model, which may carry no version. */
    boolean newestFamily() {
        return NEWEST_FAMILIES.contains(family);
    }

    /**
     * Opus 4.7 and later (Opus 4.8, the Claude 5 models), Mythos and Fable: the models Anthropic gave a new request
     * surface (adaptive thinking only, no sampling parameters, thinking text omitted unless asked for).
     */
    boolean fromOpus47On() {
        return major < 0 ? newestFamily() : atLeast(4, 7);
    }

    /**
     * Opus and Sonnet 5.5 and later, and Fable: the models Anthropic documents as refusing a forced tool call
     * (tool_choice "any" or "tool"). Haiku 5.5, of the same generation, takes one: its changes list no such refusal.
     */
    boolean refusesForcedToolUse() {
        return "fable".equals(family) || (("opus".equals(family) || "sonnet".equals(family)) && atLeast(5, 5));
    }

    /** Null when {@code modelId} names no Claude family or version (an application inference profile's ARN). */
    static ClaudeModelVersion of(String modelId) {
        if (modelId == null) {
            return null;
        }
        String id = modelId.toLowerCase(Locale.ROOT);
        int at = id.lastIndexOf("claude-");
        if (at < 0) {
            return null;
        }
        String rest = id.substring(at + "claude-".length());
        int bedrockVersion = rest.indexOf(':');
        String family = null;
        List<Integer> numbers = new ArrayList<>(2);
        boolean versionRead = false;
        for (String part : (bedrockVersion < 0 ? rest : rest.substring(0, bedrockVersion)).split("-")) {
            if (!versionRead && numbers.size() < 2 && VERSION_NUMBER.matcher(part).matches()) {
                numbers.add(Integer.parseInt(part));
                continue;
            }
            versionRead |= !numbers.isEmpty(); // a date, "v1" or the family after the numbers ends them
            if (family == null && FAMILY_NAME.matcher(part).matches()) {
                family = part;
            }
        }
        int major = numbers.isEmpty() ? -1 : numbers.get(0);
        int minor = numbers.size() < 2 ? 0 : numbers.get(1);
        return family == null && major < 0 ? null : new ClaudeModelVersion(family, major, minor);
    }
}
