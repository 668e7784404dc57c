package dev.caravan.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The real gateway in front of a fake OpenAI and a fake Anthropic, with {@code gpt-4o-mini} falling back to
 * {@link #CLAUDE}, then {@code mock-echo}; one attempt per target.
 */
public record OpenAiWithClaudeFallback(FakeOpenAi openAi, FakeAnthropic anthropic, Gateway gateway)
        implements AutoCloseable {

    public static final String CLAUDE = "claude-3-5-haiku-20241022";

    /** {@code dir} holds the catalog; {@code anthropicKey} is the key the fake Anthropic accepts. */
    public static OpenAiWithClaudeFallback start(Path dir, String anthropicKey) throws Exception {
        return start(dir, anthropicKey, fallbacks(CLAUDE + ", mock-echo"));
    }

    /** As above, with the shipped catalog as {@code edit} makes it (e.g. {@link #fallbacks}). */
    public static OpenAiWithClaudeFallback start(Path dir, String anthropicKey, UnaryOperator<String> edit)
            throws Exception {
        FakeOpenAi openAi = new FakeOpenAi();
        FakeAnthropic anthropic = new FakeAnthropic(anthropicKey);
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, edit.apply(Files.readString(Path.of("config/catalog.yaml"))));
        Gateway gateway = Gateway.start(Map.of("caravan.openai.base-url", openAi.baseUrl(), "caravan.openai.api-key",
                "sk-openai-test", "caravan.anthropic.base-url", anthropic.baseUrl(), "caravan.anthropic.api-key",
                anthropicKey, "caravan.catalog.file", catalog.toString(),
                "caravan.openai.retry.max-retries", "0", "caravan.anthropic.retry.max-retries", "0"));
        return new OpenAiWithClaudeFallback(openAi, anthropic, gateway);
    }

    /** A catalog edit giving {@code gpt-4o-mini} the fallbacks {@code chain} (a YAML flow list's items). */
    public static UnaryOperator<String> fallbacks(String chain) {
        return catalog -> catalog.replace("fallbacks:\n", "fallbacks:\n  gpt-4o-mini: [" + chain + "]\n");
    }

    /** Forgets what the fakes received; OpenAI then answers 503 (overloaded) and Claude {@code text}. */
    public void openAiOverloadedAndClaudeAnswers(String text) {
        openAi.received().clear();
        anthropic.received().clear();
        openAi.always(FakeOpenAi.json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
        anthropic.always(anthropic.reply(FakeAnthropic.text(text, 12, 3)));
    }

    @Override
    public void close() throws Exception {
        gateway.close();
        anthropic.close();
        openAi.close();
    }
}
