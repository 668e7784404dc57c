package dev.caravan.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * OpenAI's structured outputs ({@code response_format} of type json_object or json_schema) for a provider that has no
 * such field (Anthropic, Bedrock): the answer's schema is offered as a tool the model is made to call, the way both
 * providers document for JSON that follows a schema, and that call comes back to the caller as the answer's text. The
 * caller sees what an OpenAI model answers: the JSON in {@code message.content} (or in the stream's content deltas) and
 * finish_reason "stop"; text the model writes beside that call is left out, single or streamed.
 * <p>
 * Without tools of the caller's own (or with tool_choice "none") the model must call the answer's tool. With tools and
 * tool_choice auto it must call a tool: one of the caller's, or the answer's. A second call of the answer's tool in one
 * turn is dropped. With tool_choice "required" or a named function the answer is a call of the caller's tools anyway,
 * and nothing is added.
 */
public final class JsonAnswerTool {

    /** The tool's name when the format names none (json_object, or a json_schema without a name). */
    static final String DEFAULT_NAME = "json_answer";
    private static final Pattern VALID_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final String DESCRIPTION = "Give your whole answer by calling this tool: its input is the answer, "
            + "as a JSON object";

    private final ToolDefinition tool;

    private JsonAnswerTool(ToolDefinition tool) {
        this.tool = tool;
    }

    /** The request's {@code response_format} when it asks for structured output (json_object or json_schema), else null. */
    public static JsonNode requestedFormat(ChatRequest request) {
        JsonNode format = request.original() == null ? null : request.original().get("response_format");
        String type = format == null ? "" : format.path("type").asText("");
        return "json_object".equals(type) || "json_schema".equals(type) ? format : null;
    }

    /**
     * The answer's tool for {@code request}, or null when it asks for no structured output (no response_format, or
     * type "text") or its tool_choice already makes the answer a call of its own tools.
     *
     * @throws GatewayException a 400 naming the field when the format cannot be honoured as asked
     */
    public static JsonAnswerTool of(ChatRequest request) {
        JsonNode format = request.original() == null ? null : request.original().get("response_format");
        if (format == null || format.isNull()) {
            return null;
        }
        String type = format.path("type").asText("");
        if ("text".equals(type)) {
            return null;
        }
        ToolDefinition tool = switch (type) {
            case "json_object" -> new ToolDefinition(DEFAULT_NAME, DESCRIPTION + ".", anyObject());
            case "json_schema" -> schemaTool(format.path("json_schema"));
            default -> throw GatewayException.invalidRequest("response_format.type", "response_format.type must be "
                    + "'text', 'json_object' or 'json_schema'");
        };
        if (!request.tools().isEmpty() && request.toolChoice() != null && request.toolChoice().forcesACall()) {
            return null;
        }
        for (ToolDefinition callers : request.tools()) {
            if (tool.name().equals(callers.name())) {
                throw GatewayException.invalidRequest("response_format", "a tool is named '" + tool.name()
                        + "', as is the structured answer (response_format); rename one of them");
            }
        }
        return new JsonAnswerTool(tool);
    }

    private static ToolDefinition schemaTool(JsonNode spec) {
        if (!spec.isObject()) {
            throw GatewayException.invalidRequest("response_format.json_schema",
                    "response_format.json_schema must be an object when type is 'json_schema'");
        }
        JsonNode name = spec.get("name");
        if (name != null && !(name.isTextual() && VALID_NAME.matcher(name.asText()).matches())) {
            throw GatewayException.invalidRequest("response_format.json_schema.name",
                    "response_format.json_schema.name must be 1-64 letters, digits, '_' or '-'");
        }
        JsonNode schema = spec.get("schema");
        ObjectNode input;
        if (schema == null || schema.isNull()) {
            input = anyObject();
        } else if (!schema.isObject() || (schema.has("type") && !"object".equals(schema.path("type").asText()))) {
            throw GatewayException.invalidRequest("response_format.json_schema.schema",
                    "response_format.json_schema.schema must describe a JSON object (\"type\": \"object\")");
        } else {
            // Anthropic and Bedrock want the tool's input schema to say it is an object.
            input = ((ObjectNode) schema).deepCopy();
            input.put("type", "object");
        }
        JsonNode description = spec.get("description");
        return new ToolDefinition(name == null ? DEFAULT_NAME : name.asText(),
                description != null && description.isTextual() ? DESCRIPTION + ". " + description.asText()
                        : DESCRIPTION + " that follows the tool's schema.", input);
    }

    private static ObjectNode anyObject() {
        ObjectNode schema = JsonNodeFactory.instance.objectNode();
        schema.put("type", "object");
        return schema;
    }

    /**
     * Whether the request's {@code response_format} gives a schema (type json_schema with a schema object): what a
     * model that takes no forced tool call ({@link ForcedToolUse}) needs, since Anthropic's output format takes no
     * JSON of any shape.
     */
    public static boolean givesSchema(ChatRequest request) {
        JsonNode format = requestedFormat(request);
        return format != null && format.path("json_schema").path("schema").isObject();
    }

    /** The answer's JSON schema: the tool's input schema, an object's. */
    public JsonNode schema() {
        return tool.parameters();
    }

    /** The tool's name, as the model sees it. */
    public String name() {
        return tool.name();
    }

    /**
     * The request as sent to the provider: the answer's tool beside the caller's, and tool choice "any" (a call of some
     * tool), which every model that can be forced accepts (Bedrock's Mistral Large takes no named tool).
     * Without tools of the caller's own, or with tool_choice "none", the answer's tool is the only one offered and
     * earlier tool turns go as text, as they would have without it (the model could not call those tools).
     */
    public ChatRequest offeredIn(ChatRequest request) {
        boolean callerToolsCallable = !request.tools().isEmpty()
                && !(request.toolChoice() != null && "none".equals(request.toolChoice().mode()));
        List<ToolDefinition> tools = new ArrayList<>(request.tools().size() + 1);
        if (callerToolsCallable) {
            tools.addAll(request.tools());
        }
        tools.add(tool);
        return new ChatRequest(request.model(), callerToolsCallable ? request.messages()
                : ToolTurnsAsText.rewrite(request.messages()), request.maxTokens(), request.temperature(),
                request.topP(), request.stop(), request.stream(), request.includeUsage(), tools, ToolChoice.REQUIRED,
                request.user(), request.original(), request.cacheBreakpoints(), request.reasoningSentBack());
    }

    /** A whole answer as the caller expects it: the answer's tool call as its text, the caller's calls kept. */
    public ChatResponse answer(ChatResponse response) {
        ToolCall answer = null;
        List<ToolCall> callers = new ArrayList<>(response.toolCalls().size());
        for (ToolCall call : response.toolCalls()) {
            if (!tool.name().equals(call.name())) {
                callers.add(call);
            } else if (answer == null) {
                answer = call;
            }
            // a second call of the answer's tool (a model answering twice at once) is not the caller's: dropped
        }
        if (answer == null) {
            return response;
        }
        String finishReason = callers.isEmpty() && "tool_calls".equals(response.finishReason())
                ? "stop" : response.finishReason();
        String json = answer.arguments() == null || answer.arguments().isBlank() ? "{}" : answer.arguments();
        return new ChatResponse(response.id(), response.model(), json, callers, finishReason, response.usage(),
                response.refusal(), null, response.thinking());
    }

    /** A fresh translation of one stream's events. */
    public Events events() {
        return new Events(tool.name());
    }

    /**
     * One stream's events as the caller expects them, adding up to what {@link #answer} makes of the whole answer:
     * the answer's tool call becomes text deltas, the caller's tool calls are numbered from 0 without it, and a finish
     * for tool calls when only the answer was called becomes "stop". Text the model writes is held until it is known
     * whether the answer's tool is called, and so are the caller's calls that come after it, so that what is relayed
     * keeps the model's order: when the answer's call begins the text is dropped (the JSON alone is the content) and
     * the calls go on; when the stream finishes without it, or fails, all that is held goes out in order, ahead of the
     * finish or the failure. Text after the answer's call began is dropped.
     */
    public static final class Events {

        private final String name;
        private final Map<Integer, Integer> callerIndexes = new HashMap<>();
        private final Set<Integer> laterAnswers = new HashSet<>();
        /** Text, and the caller's calls after it, in the order they came; empty once the answer's call began. */
        private final List<StreamEvent> held = new ArrayList<>();
        private Integer answerIndex;

        private Events(String name) {
            this.name = name;
        }

        public List<StreamEvent> apply(List<StreamEvent> events) {
            List<StreamEvent> out = new ArrayList<>(events.size() + held.size());
            for (StreamEvent event : events) {
                if (event instanceof StreamEvent.TextDelta) {
                    if (answerIndex == null) {
                        held.add(event);
                    }
                } else if (event instanceof StreamEvent.ToolCallDelta call) {
                    relay(call, out);
                } else {
                    if (event instanceof StreamEvent.Finished || event instanceof StreamEvent.Failed) {
                        out.addAll(held);
                        held.clear();
                    }
                    out.add(event instanceof StreamEvent.Finished finished && answeredAlone(finished)
                            ? new StreamEvent.Finished("stop") : event);
                }
            }
            return out;
        }

        /** A finish for tool calls when only the answer's tool was called: the caller's answer is complete. */
        private boolean answeredAlone(StreamEvent.Finished finished) {
            return answerIndex != null && callerIndexes.isEmpty() && "tool_calls".equals(finished.finishReason());
        }

        /** The call's delta as the caller sees it, to {@code out} or held; none when it means nothing to the caller. */
        private void relay(StreamEvent.ToolCallDelta call, List<StreamEvent> out) {
            if (answerIndex != null && call.index() != answerIndex && name.equals(call.name())) {
                laterAnswers.add(call.index());
            }
            if (laterAnswers.contains(call.index())) {
                return;
            }
            if (answerIndex == null && name.equals(call.name())) {
                answerIndex = call.index();
                held.removeIf(event -> event instanceof StreamEvent.TextDelta);
                out.addAll(held);
                held.clear();
            }
            if (answerIndex != null && answerIndex == call.index()) {
                String json = call.argumentsDelta();
                if (json != null && !json.isEmpty()) {
                    out.add(new StreamEvent.TextDelta(json));
                }
                return;
            }
            int index = callerIndexes.computeIfAbsent(call.index(), first -> callerIndexes.size());
            (held.isEmpty() ? out : held).add(index == call.index() ? call
                    : new StreamEvent.ToolCallDelta(index, call.id(), call.name(), call.argumentsDelta()));
        }
    }
}
