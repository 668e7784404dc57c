package dev.caravan.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which Claude models take adaptive thinking ({@code thinking: {type: "adaptive"}} with {@code output_config.effort}),
 * read from the model id, and the effort a {@code reasoning_effort} becomes there. Anthropic and AWS document it from
 * Claude Opus 4.6 and Sonnet 4.6 on (where the budget form is deprecated; Opus 4.7 and later, Mythos and Fable take
 * nothing else) and for the Mythos and Fable models, which may carry no version ({@code claude-mythos-preview}); older
 * models take only the budget form. An id that names no version of those (an application inference profile's ARN, an
 * unknown name) keeps the budget form.
 */
public final class AdaptiveThinking {

    /** The families whose models all think adaptively, with a version in the id or without one. */
    private static final Set<String> ADAPTIVE_FAMILIES = Set.of("mythos", "fable");

    private AdaptiveThinking() {
    }

    /** Whether Claude model {@code modelId} (Anthropic's id, a Bedrock model id, profile or ARN) thinks adaptively. */
    public static boolean takes(String modelId) {
        Version version = Version.of(modelId);
        if (version == null) {
            return false;
        }
        return version.major() < 0 ? ADAPTIVE_FAMILIES.contains(version.family()) : version.atLeast(4, 6);
    }

    /**
     * The output_config effort for OpenAI's {@code reasoningEffort} on adaptive model {@code modelId}: minimal and low
     * are low, medium and high themselves; xhigh is Anthropic's xhigh where it is documented (Opus 4.7 and later),
     * else max, the level above high on the 4.6 models and Mythos Preview. Null for "none" or an unknown value.
     */
    public static String effort(String reasoningEffort, String modelId) {
        if (reasoningEffort == null) {
            return null;
        }
        return switch (reasoningEffort) {
            case "minimal", "low" -> "low";
            case "medium" -> "medium";
            case "high" -> "high";
            case "xhigh" -> {
                Version version = Version.of(modelId);
                yield version != null && version.atLeast(4, 7) ? "xhigh" : "max";
            }
            default -> null;
        };
    }

    /** The version {@code modelId} names, as "4.6"; null when it names none (tests read the parsing through it). */
    static String version(String modelId) {
        Version version = Version.of(modelId);
        return version == null || version.major() < 0 ? null : version.major() + "." + version.minor();
    }

    /**
     * A Claude model's family and version from its id: {@code claude-opus-4-6}, {@code claude-sonnet-4-20250514}
     * (4.0: an eight-digit date is no minor version), {@code claude-3-7-sonnet-20250219} (the version first),
     * {@code us.anthropic.claude-opus-4-6-v1:0}. {@code major} is -1 when the id names a family but no version.
     */
    private record Version(String family, int major, int minor) {

        boolean atLeast(int wantedMajor, int wantedMinor) {
            return major > wantedMajor || (major == wantedMajor && minor >= wantedMinor);
        }

        static Version of(String modelId) {
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
                if (!versionRead && numbers.size() < 2 && part.matches("\\d{1,2}")) {
                    numbers.add(Integer.parseInt(part));
                    continue;
                }
                versionRead |= !numbers.isEmpty(); // a date, "v1" or the family after the numbers ends them
                if (family == null && part.matches("[a-z]+")) {
                    family = part;
                }
            }
            int major = numbers.isEmpty() ? -1 : numbers.get(0);
            int minor = numbers.size() < 2 ? 0 : numbers.get(1);
            return family == null && major < 0 ? null : new Version(family, major, minor);
        }
    }
}
