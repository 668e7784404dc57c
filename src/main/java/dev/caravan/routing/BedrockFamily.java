package dev.caravan.routing;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model families a Bedrock model may be declared as in the catalog, and the one its model id names, if it names
 * one: a model id, a cross-region inference profile or an ARN that quotes either does
 * ({@code anthropic.claude-3-haiku-20240307-v1:0}, {@code us.amazon.nova-pro-v1:0}); an application inference
 * profile's ARN does not. {@code amazon} holds Titan and Nova; {@code nova} and {@code titan} are each alone, as
 * their rules differ (Nova takes cache points and a forced tool choice, Titan neither).
 */
final class BedrockFamily {

    /** The model providers whose ids Bedrock prefixes, and Amazon's two lines of models. */
    static final Set<String> DECLARABLE = Set.of("anthropic", "amazon", "nova", "titan", "meta", "mistral", "cohere",
            "ai21", "deepseek", "writer");
    private static final Pattern NAMED = Pattern.compile("(?:^|[./])(?:amazon\\.(nova|titan)-|(anthropic|amazon|meta|"
            + "mistral|cohere|ai21|deepseek|writer)\\.)");

    private BedrockFamily() {
    }

    /** The family {@code modelId} names ({@code nova} or {@code titan} for Amazon's), or null when it names none. */
    static String namedBy(String modelId) {
        Matcher named = NAMED.matcher(modelId);
        if (!named.find()) {
            return null;
        }
        return named.group(1) != null ? named.group(1) : named.group(2);
    }

    /** Whether {@code declared} is the family {@code named} by a model id, or holds it ({@code amazon} holds both). */
    static boolean agrees(String declared, String named) {
        return declared.equals(named) || ("amazon".equals(declared) && ("nova".equals(named) || "titan".equals(named)));
    }
}
