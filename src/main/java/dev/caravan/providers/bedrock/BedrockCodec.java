package dev.caravan.providers.bedrock;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.core.AdaptiveThinking;
import dev.caravan.core.ChatMessage;
import dev.caravan.core.ChatRequest;
import dev.caravan.core.ChatResponse;
import dev.caravan.core.ClosedSchema;
import dev.caravan.core.ForcedToolUse;
import dev.caravan.core.JsonAnswerTool;
import dev.caravan.core.ReasoningEffort;
import dev.caravan.core.SamplingParameters;
import dev.caravan.core.StreamEvent;
import dev.caravan.core.ThinkingBlock;
import dev.caravan.core.ToolCall;
import dev.caravan.core.ToolChoice;
import dev.caravan.core.ToolDefinition;
import dev.caravan.core.ToolTurnsAsText;
import dev.caravan.core.Usage;
import dev.caravan.core.WhitespaceStops;
import dev.caravan.routing.Target;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.services.bedrockruntime.model.AnyToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.AutoToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.CacheDetail;
import software.amazon.awssdk.services.bedrockruntime.model.CacheTTL;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormatStructure;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormatType;
import software.amazon.awssdk.services.bedrockruntime.model.SpecificToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;

/**
 * Translation between Caravan's normalized model and Bedrock's Converse API, in the AWS SDK's types. Pure: the
 * SDK does the wire format and the signing; this class decides what the request and the answer mean.
 */
public final class BedrockCodec {

    /** What the ids of the Nova models Bedrock documents prompt caching for contain. */
    private static final List<String> CACHING_NOVA_MODELS = List.of("amazon.nova-micro-", "amazon.nova-lite-",
            "amazon.nova-pro-", "amazon.nova-premier-");

    private final ToIntFunction<Target> defaultMaxTokens;

    /** {@code defaultMaxTokens}: a model's most output, for Claude thinking without the caller's max_tokens. */
    public BedrockCodec(ToIntFunction<Target> defaultMaxTokens) {
        this.defaultMaxTokens = defaultMaxTokens;
    }

    /** A codec that takes every model's most output to be 4096 tokens. */
    public BedrockCodec() {
        this(target -> 4096);
    }

    /**
     * The Converse request for {@code request}, sent to {@code target}'s model (a model id, an inference profile or its
     * ARN).
     */
    public ConverseRequest converseRequest(ChatRequest request, Target target, ToolNameMap toolNames) {
        boolean claude = target.claude();
        // Converse takes cache points from Claude in system, messages and tools, from Nova in system and messages, and
        // refuses them from other families: the caller's breakpoints go only where they are taken
        boolean cachePoints = request.cacheBreakpoints() && (claude || isCachingNova(target));
        BedrockMessages conversation = BedrockMessages.of(turns(request), toolNames, claude, cachePoints);
        ConverseRequest.Builder builder = ConverseRequest.builder()
                .modelId(target.model())
                .messages(conversation.turns());
        if (!conversation.system().isEmpty()) {
            builder.system(conversation.system());
        }
        Integer thinking = claude ? ReasoningEffort.budget(request) : null;
        Integer thinkingMaxTokens = thinking == null ? null
                : ReasoningEffort.maxTokens(thinking, request.maxTokens(), defaultMaxTokens.applyAsInt(target));
        InferenceConfiguration inference = inferenceConfig(request, claude, SamplingParameters.takenBy(target.model()),
                thinkingMaxTokens);
        if (inference != null) {
            builder.inferenceConfig(inference);
        }
        if (thinking != null) {
            // Converse has no field of its own for Claude's extended thinking: it goes as Anthropic's, passed through
            builder.additionalModelRequestFields(thinkingFields(request, target, thinking));
        }
        ToolConfiguration tools = toolConfig(request, toolNames, cachePoints && claude);
        if (tools != null) {
            builder.toolConfig(tools);
        }
        JsonAnswerTool answer = claude ? ForcedToolUse.outputFormat(request, target.model()) : null;
        if (answer != null) {
            // a model that takes no forced tool call gets structured outputs as Converse's output format
            builder.outputConfig(o -> o.textFormat(f -> f.type(OutputFormatType.JSON_SCHEMA).structure(
                    OutputFormatStructure.fromJsonSchema(s -> s.name(answer.name())
                            .schema(ClosedSchema.of(answer.schema()).toString())))));
        }
        return builder.build();
    }

    /**
     * Anthropic's thinking fields for Claude on {@code target}: adaptive thinking at the request's effort for a model
     * that takes it (shown summarized where the model would leave its thinking text out), else the budget; an
     * application inference profile's ARN names no model and gets the budget.
     */
    private static Document thinkingFields(ChatRequest request, Target target, int budget) {
        if (AdaptiveThinking.takes(target.model())) {
            Document.MapBuilder thinking = Document.mapBuilder().putString("type", "adaptive");
            if (AdaptiveThinking.omitsThinkingByDefault(target.model())) {
                thinking.putString("display", "summarized");
            }
            return Document.mapBuilder()
                    .putDocument("thinking", thinking.build())
                    .putDocument("output_config", Document.mapBuilder().putString("effort",
                            AdaptiveThinking.effort(ReasoningEffort.effort(request), target.model())).build())
                    .build();
        }
        return Document.mapBuilder().putDocument("thinking", Document.mapBuilder()
                .putString("type", "enabled").putNumber("budget_tokens", budget).build()).build();
    }

    /**
     * The conversation as sent. Converse refuses toolUse and toolResult blocks without a toolConfig, and a toolConfig
     * cannot forbid calls (there is no "none" choice): with no tools offered, or tool_choice "none", earlier tool
     * turns go as text.
     */
    private static List<ChatMessage> turns(ChatRequest request) {
        return offersTools(request) ? request.messages() : ToolTurnsAsText.rewrite(request.messages());
    }

    private static boolean offersTools(ChatRequest request) {
        ToolChoice choice = request.toolChoice();
        return !request.tools().isEmpty() && !(choice != null && "none".equals(choice.mode()));
    }

    /** The same request for ConverseStream. */
    public ConverseStreamRequest converseStreamRequest(ChatRequest request, Target target, ToolNameMap toolNames) {
        ConverseRequest plain = converseRequest(request, target, toolNames);
        return ConverseStreamRequest.builder()
                .modelId(plain.modelId())
                .messages(plain.messages())
                .system(plain.hasSystem() ? plain.system() : null)
                .inferenceConfig(plain.inferenceConfig())
                .toolConfig(plain.toolConfig())
                .additionalModelRequestFields(plain.additionalModelRequestFields())
                .outputConfig(plain.outputConfig())
                .build();
    }

    /** A Converse answer in normalized form; tool names are the caller's again. */
    public ChatResponse decodeResponse(ConverseResponse response, String modelId, ToolNameMap toolNames) {
        String requestId = response.responseMetadata() == null ? null : response.responseMetadata().requestId();
        Message message = response.output() == null ? null : response.output().message();
        return decodeMessage(message, response.stopReasonAsString(), response.usage(), requestId, modelId, toolNames);
    }

    /** The parts of a Converse answer (as Camel's aws-bedrock endpoint hands them over in headers). */
    public ChatResponse decodeMessage(Message message, String stopReason, TokenUsage usage, String id, String modelId,
                                      ToolNameMap toolNames) {
        // null when the answer has no text at all (only tool calls), as OpenAI and Anthropic answers have it
        StringBuilder text = null;
        List<ToolCall> toolCalls = new ArrayList<>();
        List<ThinkingBlock> thinking = new ArrayList<>(0);
        if (message != null) {
            for (ContentBlock block : message.content()) {
                if (block.text() != null) {
                    text = text == null ? new StringBuilder() : text;
                    text.append(block.text());
                } else if (block.toolUse() != null) {
                    toolCalls.add(new ToolCall(block.toolUse().toolUseId(),
                            toolNames.callerName(block.toolUse().name()),
                            JsonDocuments.toJsonText(block.toolUse().input())));
                } else if (block.reasoningContent() != null) {
                    thinking.add(BedrockReasoning.thinkingBlock(block.reasoningContent()));
                }
            }
        }
        // thinking tokens are part of outputTokens, so the usage bills them already
        return new ChatResponse(id, modelId, text == null ? null : text.toString(), toolCalls, finishReason(stopReason),
                usage(usage), null, null, thinking);
    }

    /**
     * {@code answer} as {@code request} asked for it: for Claude, cut at the whitespace-only stop sequences it was not
     * sent ({@link WhitespaceStops}); as it is otherwise.
     */
    public ChatResponse answerFor(ChatRequest request, Target target, ChatResponse answer) {
        WhitespaceStops stops = stopsNotSent(request, target);
        return stops == null ? answer : stops.cut(answer);
    }

    /** The whitespace-only stop sequences Claude refuses, which the gateway applies itself; null for other models. */
    private static WhitespaceStops stopsNotSent(ChatRequest request, Target target) {
        return target.claude() ? WhitespaceStops.of(request) : null;
    }

    /** A decoder for one ConverseStream answer. */
    public BedrockStreamDecoder newStreamDecoder(ToolNameMap toolNames) {
        return new BedrockStreamDecoder(toolNames, UnaryOperator.identity());
    }

    /**
     * A decoder for one ConverseStream answer to {@code request}, cut as {@link #answerFor} cuts a whole one, whose
     * structured output was asked for with a tool ({@code answerEvents}; null when none was).
     */
    public BedrockStreamDecoder newStreamDecoder(ChatRequest request, Target target, ToolNameMap toolNames,
                                                 JsonAnswerTool.Events answerEvents) {
        WhitespaceStops stops = stopsNotSent(request, target);
        UnaryOperator<List<StreamEvent>> cut = stops == null ? UnaryOperator.identity() : stops.events()::apply;
        return new BedrockStreamDecoder(toolNames, answerEvents == null ? cut
                : events -> answerEvents.apply(cut.apply(events)));
    }

    /** Bedrock's stop reason as OpenAI's finish reason. */
    public static String finishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "guardrail_intervened", "content_filtered" -> "content_filter";
            default -> "stop";
        };
    }

    /**
     * Bedrock counts cached input apart from {@code inputTokens}; Caravan's prompt count includes it. Its cache details
     * say how many of the written tokens were cached for an hour.
     */
    public static Usage usage(TokenUsage usage) {
        if (usage == null) {
            return Usage.NONE;
        }
        long cacheRead = orZero(usage.cacheReadInputTokens());
        long cacheWrite = orZero(usage.cacheWriteInputTokens());
        long writtenForAnHour = 0;
        if (usage.hasCacheDetails()) {
            for (CacheDetail detail : usage.cacheDetails()) {
                writtenForAnHour += detail.ttl() == CacheTTL.VALUE_1_H ? orZero(detail.inputTokens()) : 0;
            }
        }
        return new Usage(orZero(usage.inputTokens()) + cacheRead + cacheWrite, orZero(usage.outputTokens()),
                cacheRead, cacheWrite, 0, writtenForAnHour);
    }

    private static long orZero(Integer value) {
        return value == null ? 0 : value;
    }

    /**
     * One of the Amazon Nova models Bedrock caches prompts for (Micro, Lite, Pro and Premier): declared of the
     * {@code nova} family (an application inference profile's ARN names no model), or by its model id or cross-region
     * inference profile ({@code amazon.nova-pro-v1:0}, {@code us.amazon.nova-lite-v1:0} ...) and not declared of
     * another family. The {@code amazon} family holds Titan too, which takes no cache points: a profile declared so
     * gets none.
     */
    private static boolean isCachingNova(Target target) {
        if ("nova".equals(target.family())) {
            return true;
        }
        if ((target.family() != null && !"amazon".equals(target.family())) || target.model() == null) {
            return false;
        }
        for (String model : CACHING_NOVA_MODELS) {
            if (target.model().contains(model)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code sampled}: whether the model takes temperature and top_p (Claude from Opus 4.7 on refuses them, so they
     * are left out, {@link SamplingParameters}); {@code maxTokens}: what Claude with thinking on is sent (the budget
     * included), else null: the caller's.
     */
    private static InferenceConfiguration inferenceConfig(ChatRequest request, boolean claude, boolean sampled,
                                                          Integer maxTokens) {
        // Claude refuses a whitespace-only stop sequence (OpenAI takes "\n"): it is left out, the others kept.
        List<String> stops = claude ? WhitespaceStops.sentUpstream(request) : request.stop();
        Integer sentMaxTokens = maxTokens != null ? maxTokens : request.maxTokens();
        Double temperature = sampled ? request.temperature() : null;
        Double topP = sampled ? request.topP() : null;
        if (sentMaxTokens == null && temperature == null && topP == null && stops.isEmpty()) {
            return null;
        }
        InferenceConfiguration.Builder inference = InferenceConfiguration.builder();
        if (sentMaxTokens != null) {
            inference.maxTokens(sentMaxTokens);
        }
        if (temperature != null) {
            // OpenAI's scale goes to 2; every model family Converse serves stops at 1 and refuses more.
            inference.temperature((float) Math.min(1.0, temperature));
        }
        // Newer Claude models refuse temperature and top_p together (Anthropic advises one of them on every Claude):
        // the temperature is kept. Other families take both.
        if (topP != null && !(claude && temperature != null)) {
            inference.topP(topP.floatValue());
        }
        if (!stops.isEmpty()) {
            inference.stopSequences(stops);
        }
        return inference.build();
    }

    private static ToolConfiguration toolConfig(ChatRequest request, ToolNameMap toolNames, boolean cachePoints) {
        if (!offersTools(request)) {
            return null;
        }
        ToolChoice choice = request.toolChoice();
        List<Tool> tools = new ArrayList<>();
        for (ToolDefinition definition : request.tools()) {
            ToolSpecification.Builder spec = ToolSpecification.builder()
                    .name(toolNames.bedrockName(definition.name()))
                    .inputSchema(ToolInputSchema.fromJson(JsonDocuments.toDocument(schemaOf(definition))));
            if (definition.description() != null && !definition.description().isBlank()) {
                spec.description(definition.description());
            }
            tools.add(Tool.fromToolSpec(spec.build()));
            if (cachePoints && definition.cache() != null) {
                tools.add(Tool.fromCachePoint(BedrockMessages.cachePoint(definition.cache())));
            }
        }
        ToolConfiguration.Builder config = ToolConfiguration.builder().tools(tools);
        if (choice != null) {
            switch (choice.mode()) {
                case "required" -> config.toolChoice(c -> c.any(AnyToolChoice.builder().build()));
                case "function" -> config.toolChoice(c -> c.tool(SpecificToolChoice.builder()
                        .name(toolNames.bedrockName(choice.functionName())).build()));
                default -> config.toolChoice(c -> c.auto(AutoToolChoice.builder().build()));
            }
        }
        return config.build();
    }

    private static com.fasterxml.jackson.databind.JsonNode schemaOf(ToolDefinition definition) {
        if (definition.parameters() != null && definition.parameters().isObject()) {
            return definition.parameters();
        }
        ObjectNode empty = JsonNodeFactory.instance.objectNode();
        empty.put("type", "object");
        empty.putObject("properties");
        return empty;
    }
}
