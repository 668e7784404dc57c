package dev.caravan.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.caravan.support.ThinkingModels;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the Bedrock Runtime service on 127.0.0.1. Like the real one, it turns away requests that are not
 * SigV4-signed for the {@code bedrock} service. The model id in the path names the recorded answer under
 * {@code fixtures/bedrock/}: {@code <model>.json} for converse (or an error when it starts with {@code error-}),
 * {@code <model>.jsonl} for converse-stream, one event-stream frame per line, sent one at a time.
 */
public final class FakeBedrock implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The Nova models Bedrock caches prompts for, by model id or cross-region inference profile. */
    private static final Pattern CACHING_NOVA = Pattern.compile("amazon\\.nova-(micro|lite|pro|premier)-");
    private static final Pattern PATH = Pattern.compile("^/model/([^/]+)/(converse|converse-stream)$");
    private static final Pattern SIGV4 = Pattern.compile(
            "^AWS4-HMAC-SHA256 Credential=[^/]+/\\d{8}/[a-z0-9-]+/bedrock/aws4_request, ?SignedHeaders=[^,]+, ?"
                    + "Signature=[0-9a-f]{64}$");

    /** What one request looked like. */
    public record Received(String path, String modelId, String authorization, JsonNode body) {
    }

    /** One frame of a stream: event-stream headers and a JSON payload. */
    public record Frame(Map<String, String> headers, String payload) {
        public static Frame event(String type, String payload) {
            return new Frame(Map.of(":event-type", type), payload);
        }

        /** The frames of a long story that never ends: the message's start, then "word0 ", "word1 ", ... */
        public static List<Frame> words(int count) {
            List<Frame> frames = new ArrayList<>();
            frames.add(event("messageStart", "{\"role\":\"assistant\"}"));
            for (int i = 0; i < count; i++) {
                frames.add(event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"word" + i
                        + " \"}}"));
            }
            return frames;
        }
    }

    /** What the server did while streaming one answer (times from System.nanoTime). */
    public static final class StreamLog {
        public final List<Long> sentAtNanos = new CopyOnWriteArrayList<>();
        public volatile long abortedAtNanos;
        public volatile boolean completed;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, List<Frame>> streams = new ConcurrentHashMap<>();
    private final Map<String, StreamLog> streamLogs = new ConcurrentHashMap<>();
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final Set<String> claudeProfiles = ConcurrentHashMap.newKeySet();
    private final Set<String> novaProfiles = ConcurrentHashMap.newKeySet();
    private volatile long frameDelayMillis = 20;
    private volatile long converseDelayMillis;
    private volatile long pauseAfterFirstFrameMillis;

    public FakeBedrock() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Received> received() {
        return received;
    }

    public Received lastReceived() {
        return received.get(received.size() - 1);
    }

    /** Pause between two frames of a stream. */
    public void frameDelayMillis(long millis) {
        this.frameDelayMillis = millis;
    }

    /** A longer pause after the first frame of each stream (the model silent mid-answer); 0 for none. */
    public void pauseAfterFirstFrameMillis(long millis) {
        this.pauseAfterFirstFrameMillis = millis;
    }

    /** Time a Converse answer takes (the model thinking; Bedrock sends nothing meanwhile). */
    public void converseDelayMillis(long millis) {
        this.converseDelayMillis = millis;
    }

    /** A stream answer made up in the test rather than recorded. */
    public void stream(String modelId, List<Frame> frames) {
        streams.put(modelId, frames);
    }

    /** A Converse answer (the JSON body Bedrock sends) made up in the test rather than recorded. */
    public void converse(String modelId, String answerJson) {
        answers.put(modelId, answerJson);
    }

    /**
     * {@code profileArn} is an application inference profile of a Claude model: its ARN names no model, but Claude
     * answers behind it, and requests to it are checked as Claude checks them.
     */
    public void claudeBehind(String profileArn) {
        claudeProfiles.add(profileArn);
    }

    /**
     * {@code profileArn} is an application inference profile of a Nova model that caches prompts: its requests' cache
     * points are checked as Nova checks them.
     */
    public void novaBehind(String profileArn) {
        novaProfiles.add(profileArn);
    }

    public StreamLog streamLog(String modelId) {
        return streamLogs.get(modelId);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Matcher path = PATH.matcher(exchange.getRequestURI().getRawPath());
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !SIGV4.matcher(auth).matches()) {
                error(exchange, 403, "MissingAuthenticationTokenException", "Missing Authentication Token");
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod()) || !path.matches()) {
                error(exchange, 404, "UnknownOperationException", "Unknown operation");
                return;
            }
            String modelId = URLDecoder.decode(path.group(1), StandardCharsets.UTF_8);
            JsonNode request = body.length == 0 ? null : JSON.readTree(body);
            received.add(new Received(path.group(0), modelId, auth, request));
            String invalid = validate(request);
            if (invalid == null && (modelId.contains("anthropic.") || claudeProfiles.contains(modelId))) {
                invalid = validateForClaude(request, modelId);
            } else if (invalid == null) {
                invalid = validateCachePoints(request, CACHING_NOVA.matcher(modelId).find()
                        || novaProfiles.contains(modelId));
            }
            if (invalid != null) {
                error(exchange, 400, "ValidationException", invalid);
                return;
            }
            JsonNode thinking = request.at("/additionalModelRequestFields/thinking");
            boolean thinkingShown = thinking.isMissingNode() || !ThinkingModels.omitsThinkingByDefault(modelId)
                    || "summarized".equals(thinking.path("display").asText());
            if ("converse".equals(path.group(2))) {
                converse(exchange, modelId, thinkingShown);
            } else {
                converseStream(exchange, modelId, thinkingShown);
            }
        }
    }

    /**
     * What the real service checks before a model sees the conversation: it starts with a user turn, user and
     * assistant alternate, each toolResult answers a toolUse of the turn before, each toolUse is answered, and tool
     * blocks come with a toolConfig.
     */
    static String validate(JsonNode request) {
        if (request == null || !request.path("messages").isArray() || request.path("messages").isEmpty()) {
            return "A conversation must start with a user message. Try again with a conversation that starts with "
                    + "a user message.";
        }
        String tools = validateToolConfig(request.path("toolConfig"));
        if (tools != null) {
            return tools;
        }
        JsonNode messages = request.path("messages");
        List<String> openToolUses = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String role = message.path("role").asText();
            if (i == 0 && !"user".equals(role)) {
                return "A conversation must start with a user message. Try again with a conversation that starts "
                        + "with a user message.";
            }
            if (i > 0 && role.equals(messages.get(i - 1).path("role").asText())) {
                return "A conversation must alternate between user and assistant roles. Make sure the conversation "
                        + "alternates between user and assistant roles and try again.";
            }
            List<String> results = new ArrayList<>();
            List<String> uses = new ArrayList<>();
            for (JsonNode block : message.path("content")) {
                if (block.has("toolResult")) {
                    results.add(block.path("toolResult").path("toolUseId").asText());
                }
                if (block.has("toolUse")) {
                    uses.add(block.path("toolUse").path("toolUseId").asText());
                }
            }
            if (!openToolUses.isEmpty() && !results.containsAll(openToolUses)) {
                return "Expected toolResult blocks at messages." + i + ".content for the following Ids: "
                        + String.join(", ", openToolUses);
            }
            for (String result : results) {
                if (!openToolUses.contains(result)) {
                    return "messages." + i + ".content: toolResult " + result
                            + " does not match any toolUse of the previous turn";
                }
            }
            openToolUses = uses;
            if ((!uses.isEmpty() || !results.isEmpty()) && !request.has("toolConfig")) {
                return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
            }
        }
        return null;
    }

    /**
     * What Anthropic's models refuse once Bedrock hands them the request, in the words Bedrock passes on: sampling
     * parameters on the models that take none ({@link ThinkingModels#refusesSampling}), a stop sequence of whitespace
     * alone, a final assistant turn (a prefill) whose text ends in whitespace, more than four cache points.
     */
    static String validateForClaude(JsonNode request, String modelId) {
        Set<String> sampling = new HashSet<>();
        JsonNode inference = request.path("inferenceConfig");
        if (inference.has("temperature")) {
            sampling.add("temperature");
        }
        if (inference.has("topP")) {
            sampling.add("top_p");
        }
        request.path("additionalModelRequestFields").fieldNames().forEachRemaining(sampling::add);
        String deprecated = ThinkingModels.samplingRefusal(modelId, sampling);
        if (deprecated != null) {
            return "The model returned the following errors: " + deprecated;
        }
        String thinking = validateThinking(request, modelId);
        if (thinking != null) {
            return thinking;
        }
        JsonNode choice = request.path("toolConfig").path("toolChoice");
        if ((choice.has("any") || choice.has("tool")) && ThinkingModels.refusesForcedToolUse(modelId)) {
            return "The model returned the following errors: tool_choice: forced tool use is not supported for "
                    + "this model. Use tool_choice auto or none";
        }
        String format = validateOutputConfig(request.path("outputConfig"));
        if (format != null) {
            return format;
        }
        int cachePoints = cachePoints(request.path("toolConfig").path("tools")) + promptCachePoints(request);
        if (cachePoints > 4) {
            return tooManyCachePoints(cachePoints);
        }
        for (JsonNode stop : request.path("inferenceConfig").path("stopSequences")) {
            if (stop.asText().codePoints().allMatch(FakeBedrock::isSpace)) {
                return "The model returned the following errors: stop_sequences: each stop sequence must contain "
                        + "non-whitespace";
            }
        }
        JsonNode messages = request.path("messages");
        JsonNode last = messages.path(messages.size() - 1);
        JsonNode content = last.path("content");
        String text = content.path(content.size() - 1).path("text").asText("");
        if ("assistant".equals(last.path("role").asText()) && !text.isEmpty()
                && isSpace(text.codePointBefore(text.length()))) {
            return "The model returned the following errors: messages: final assistant content cannot end with "
                    + "trailing whitespace";
        }
        return null;
    }

    /**
     * Claude's thinking, passed through additionalModelRequestFields, as Anthropic checks it (in the words Bedrock
     * passes on): the form the model takes ({@link ThinkingModels}; a profile's ARN, which names no model, as a model
     * before adaptive thinking), a budget of at least 1024 under maxTokens, no temperature but 1, no top_p under 0.95,
     * no forced tool choice with a budget, and the assistant turn whose tool use is answered beginning with its
     * reasoningContent.
     */
    static String validateThinking(JsonNode request, String modelId) {
        JsonNode fields = request.path("additionalModelRequestFields");
        JsonNode thinking = fields.get("thinking");
        if (thinking == null) {
            return null;
        }
        JsonNode effort = fields.path("output_config").get("effort");
        String type = thinking.path("type").asText();
        String form = ThinkingModels.refusal(modelId, type, effort == null ? null : effort.asText());
        if (form != null) {
            return "The model returned the following errors: " + form;
        }
        boolean adaptive = "adaptive".equals(type);
        int budget = thinking.path("budget_tokens").asInt();
        JsonNode inference = request.path("inferenceConfig");
        String refused = !adaptive && budget < 1024
                ? "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
                : !adaptive && inference.path("maxTokens").asInt() <= budget
                ? "`max_tokens` must be greater than `thinking.budget_tokens`."
                : inference.has("temperature") && inference.path("temperature").asDouble() != 1.0
                ? "`temperature` may only be set to 1 when thinking is enabled."
                : inference.has("topP") && inference.path("topP").asDouble() < 0.95
                ? "`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled."
                : !adaptive && (request.path("toolConfig").path("toolChoice").has("any")
                        || request.path("toolConfig").path("toolChoice").has("tool"))
                ? "Thinking may not be enabled when tool_choice forces tool use." : thinkingBeforeToolUse(request);
        return refused == null ? null : "The model returned the following errors: " + refused;
    }

    /**
     * Converse's structured output ({@code outputConfig.textFormat}): type json_schema, and a jsonSchema structure whose
     * schema is a JSON string of a schema Claude's output format takes ({@link ThinkingModels#outputSchemaRefusal}).
     */
    static String validateOutputConfig(JsonNode outputConfig) {
        if (outputConfig.isMissingNode()) {
            return null;
        }
        JsonNode format = outputConfig.path("textFormat");
        if (!"json_schema".equals(format.path("type").asText())) {
            return "1 validation error detected: Value at 'outputConfig.textFormat.type' failed to satisfy constraint: "
                    + "Member must satisfy enum value set: [json_schema]";
        }
        JsonNode schema = format.path("structure").path("jsonSchema").path("schema");
        if (!schema.isTextual()) {
            return "outputConfig.textFormat.structure.jsonSchema.schema must be a string";
        }
        try {
            String refused = ThinkingModels.outputSchemaRefusal(JSON.readTree(schema.asText()));
            return refused == null ? null : "The model returned the following errors: " + refused;
        } catch (IOException e) {
            return "outputConfig.textFormat.structure.jsonSchema.schema is not valid JSON";
        }
    }

    private static String thinkingBeforeToolUse(JsonNode request) {
        JsonNode messages = request.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode content = messages.get(i).path("content");
            if ("assistant".equals(messages.get(i).path("role").asText())) {
                boolean usesTools = false;
                for (JsonNode block : content) {
                    usesTools |= block.has("toolUse");
                }
                return usesTools && !content.path(0).has("reasoningContent")
                        ? "messages." + i + ".content.0.type: Expected `thinking` or `redacted_thinking`, but found "
                        + "another block. When `thinking` is enabled, a final `assistant` message must start with a "
                        + "thinking block." : null;
            }
        }
        return null;
    }

    /**
     * The cache points the other families refuse (in the fake's own words): any at all, but from the Nova models that
     * cache prompts, which take them in system and messages, not in tools, four at most.
     */
    static String validateCachePoints(JsonNode request, boolean cachingNova) {
        int inTools = cachePoints(request.path("toolConfig").path("tools"));
        int inPrompt = promptCachePoints(request);
        if (!cachingNova && inTools + inPrompt > 0) {
            return "This model does not support prompt caching: remove the cachePoint blocks.";
        }
        if (inTools > 0) {
            return "This model does not support a cachePoint in toolConfig.tools.";
        }
        return inPrompt > 4 ? tooManyCachePoints(inPrompt) : null;
    }

    /** The cache points in a request's system and messages. */
    private static int promptCachePoints(JsonNode request) {
        int count = cachePoints(request.path("system"));
        for (JsonNode message : request.path("messages")) {
            count += cachePoints(message.path("content"));
        }
        return count;
    }

    private static int cachePoints(JsonNode blocks) {
        int count = 0;
        for (JsonNode block : blocks) {
            count += block.has("cachePoint") ? 1 : 0;
        }
        return count;
    }

    private static String tooManyCachePoints(int found) {
        return "A maximum of 4 cache points may be provided. Found " + found + ".";
    }

    private static boolean isSpace(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint);
    }

    /** A toolConfig's tools each have a name and an object schema; a specific tool choice names one of them. */
    private static String validateToolConfig(JsonNode config) {
        if (config.isMissingNode()) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (JsonNode tool : config.path("tools")) {
            if (tool.has("cachePoint")) {
                continue;
            }
            JsonNode spec = tool.path("toolSpec");
            if (!spec.path("name").isTextual() || !"object".equals(spec.path("inputSchema").path("json").path("type")
                    .asText())) {
                return "The value at toolConfig.tools." + names.size() + ".toolSpec failed to satisfy constraint: "
                        + "a tool needs a name and an inputSchema of type object";
            }
            names.add(spec.path("name").asText());
        }
        JsonNode specific = config.path("toolChoice").path("tool");
        if (!specific.isMissingNode() && !names.contains(specific.path("name").asText())) {
            return "The value at toolConfig.toolChoice.tool.name must be the name of a tool in toolConfig.tools";
        }
        return null;
    }

    /**
     * {@code thinkingShown}: false where the model leaves its thinking text out ({@code thinking.display} "omitted",
     * the default from Opus 4.7 on): its reasoningText then comes with empty text, the signature kept.
     */
    private void converse(HttpExchange exchange, String modelId, boolean thinkingShown) throws IOException {
        if (converseDelayMillis > 0) {
            try {
                Thread.sleep(converseDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        String scripted = answers.get(modelId);
        if (scripted != null) {
            send(exchange, 200, null, (thinkingShown ? scripted : withoutThinkingText(scripted))
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        String fixture = fixture(modelId + ".json");
        if (fixture == null) {
            error(exchange, 404, "ResourceNotFoundException", "Model not found.");
            return;
        }
        if (modelId.startsWith("error-")) {
            JsonNode recorded = JSON.readTree(fixture);
            send(exchange, recorded.get("status").asInt(), recorded.get("errorType").asText(),
                    JSON.writeValueAsBytes(recorded.get("body")));
            return;
        }
        send(exchange, 200, null, (thinkingShown ? fixture : withoutThinkingText(fixture))
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String withoutThinkingText(String answer) throws IOException {
        JsonNode json = JSON.readTree(answer);
        for (JsonNode block : json.at("/output/message/content")) {
            JsonNode text = block.at("/reasoningContent/reasoningText");
            if (text.isObject()) {
                ((ObjectNode) text).put("text", "");
            }
        }
        return JSON.writeValueAsString(json);
    }

    /** A stream as the model sends it with its thinking text omitted: no reasoning text deltas, the rest kept. */
    private static List<Frame> withoutThinkingText(List<Frame> frames) throws IOException {
        List<Frame> kept = new ArrayList<>();
        for (Frame frame : frames) {
            if (!JSON.readTree(frame.payload()).at("/delta/reasoningContent").has("text")) {
                kept.add(frame);
            }
        }
        return kept;
    }

    private void converseStream(HttpExchange exchange, String modelId, boolean thinkingShown) throws IOException {
        if (modelId.startsWith("error-")) {
            converse(exchange, modelId, thinkingShown);
            return;
        }
        List<Frame> frames = streams.get(modelId);
        if (frames == null) {
            String fixture = fixture(modelId + ".jsonl");
            if (fixture == null) {
                error(exchange, 404, "ResourceNotFoundException", "Model not found.");
                return;
            }
            frames = parseFrames(fixture);
        }
        if (!thinkingShown) {
            frames = withoutThinkingText(frames);
        }
        StreamLog log = new StreamLog();
        streamLogs.put(modelId, log);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.amazon.eventstream");
        exchange.getResponseHeaders().set("x-amzn-RequestId", "fake-" + modelId);
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        try {
            for (Frame frame : frames) {
                out.write(encode(frame));
                out.flush();
                log.sentAtNanos.add(System.nanoTime());
                Thread.sleep(log.sentAtNanos.size() == 1 && pauseAfterFirstFrameMillis > 0 ? pauseAfterFirstFrameMillis
                        : frameDelayMillis);
            }
            log.completed = true;
        } catch (IOException e) {
            log.abortedAtNanos = System.nanoTime();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static byte[] encode(Frame frame) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        frame.headers().forEach((name, value) -> headers.put(name, HeaderValue.fromString(value)));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString(
                frame.headers().containsKey(":exception-type") ? "exception" : "event"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new Message(headers, frame.payload().getBytes(StandardCharsets.UTF_8)).encode(bytes);
        return bytes.toByteArray();
    }

    public static List<Frame> parseFrames(String jsonLines) throws IOException {
        List<Frame> frames = new ArrayList<>();
        for (String line : jsonLines.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode recorded = JSON.readTree(line);
            Map<String, String> headers = new LinkedHashMap<>();
            recorded.fields().forEachRemaining(field -> {
                if (field.getKey().startsWith(":")) {
                    headers.put(field.getKey(), field.getValue().asText());
                }
            });
            frames.add(new Frame(headers, JSON.writeValueAsString(recorded.get("payload"))));
        }
        return frames;
    }

    public static String fixture(String name) throws IOException {
        try (InputStream in = FakeBedrock.class.getResourceAsStream("/fixtures/bedrock/" + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        send(exchange, status, type, JSON.writeValueAsBytes(Map.of("message", message)));
    }

    private static void send(HttpExchange exchange, int status, String errorType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("x-amzn-RequestId", "fake-request");
        if (errorType != null) {
            exchange.getResponseHeaders().set("x-amzn-ErrorType", errorType);
        }
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
