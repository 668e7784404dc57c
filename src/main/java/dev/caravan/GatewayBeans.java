package dev.caravan;

import dev.caravan.api.AnswerWriter;
import dev.caravan.api.ConfiguredPortHttpEngine;
import dev.caravan.api.EdgeHandlers;
import dev.caravan.api.ErrorResponder;
import dev.caravan.api.ModelList;
import dev.caravan.api.RequestIntake;
import dev.caravan.api.RouteSwapHold;
import dev.caravan.ledger.BudgetGate;
import dev.caravan.ledger.BudgetsFile;
import dev.caravan.ledger.CostRecorder;
import dev.caravan.ledger.Ledger;
import dev.caravan.ledger.LedgerSettings;
import dev.caravan.ledger.SpendReport;
import dev.caravan.ops.AfterAnswerExecutor;
import dev.caravan.ops.ContextEvents;
import dev.caravan.providers.AccountCalls;
import dev.caravan.providers.EventLoopHttpCall;
import dev.caravan.providers.HttpProviderCodec;
import dev.caravan.providers.HttpProviderCall;
import dev.caravan.providers.OffEventLoop;
import dev.caravan.providers.anthropic.AnthropicCodec;
import dev.caravan.providers.bedrock.BedrockClients;
import dev.caravan.providers.bedrock.BedrockCodec;
import dev.caravan.providers.bedrock.AwsCredentialsHint;
import dev.caravan.providers.bedrock.BedrockProvider;
import dev.caravan.routing.Target;
import software.amazon.awssdk.regions.Region;
import dev.caravan.providers.mock.MockModels;
import dev.caravan.providers.mock.MockProvider;
import dev.caravan.providers.openai.OpenAiCodec;
import dev.caravan.routing.CallPredicates;
import dev.caravan.routing.Breakers;
import dev.caravan.routing.FallbackChain;
import dev.caravan.routing.ModelRouter;
import dev.caravan.routing.ProviderAccounts;
import dev.caravan.streaming.StreamRelay;
import io.vertx.core.VertxOptions;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.platform.http.vertx.ApiEventLoops;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Binds the gateway's beans; every setting comes from {@code application.properties} (documented there). */
@Configuration
public class GatewayBeans implements CamelConfiguration, CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayBeans.class);

    @PropertyInject("caravan.catalog.file")
    String catalogFile;
    @PropertyInject(value = "caravan.openai.api-key", defaultValue = "")
    String openAiKey;
    @PropertyInject(value = "caravan.anthropic.api-key", defaultValue = "")
    String anthropicKey;
    @PropertyInject(value = "caravan.anthropic.version", defaultValue = "2023-06-01")
    String anthropicVersion;
    @PropertyInject(value = "caravan.bedrock.enabled", defaultValue = "auto")
    String bedrockEnabled;
    @PropertyInject(value = "caravan.bedrock.region", defaultValue = "")
    String bedrockRegion;
    @PropertyInject(value = "caravan.bedrock.endpoint", defaultValue = "")
    String bedrockEndpoint;
    @PropertyInject(value = "caravan.bedrock.http1", defaultValue = "false")
    boolean bedrockHttp1;
    @PropertyInject(value = "caravan.bedrock.connect-timeout-ms", defaultValue = "5000")
    long bedrockConnectTimeout;
    @PropertyInject(value = "caravan.bedrock.call-timeout-ms", defaultValue = "120000")
    long bedrockCallTimeout;
    @PropertyInject(value = "caravan.bedrock.idle-timeout-ms", defaultValue = "60000")
    long bedrockIdleTimeout;
    @PropertyInject(value = "caravan.mock.enabled", defaultValue = "true")
    boolean mockEnabled;
    @PropertyInject(value = "caravan.mock.stream-tokens", defaultValue = "20")
    int mockStreamTokens;
    @PropertyInject(value = "caravan.mock.token-delay-ms", defaultValue = "50")
    long mockTokenDelay;
    @PropertyInject(value = "caravan.http.event-loops", defaultValue = "0")
    int eventLoops;
    @PropertyInject(value = "caravan.http.worker-threads", defaultValue = "1100")
    int workerThreads;
    @PropertyInject(value = "camel.server.maxBodySize", defaultValue = "1048576")
    long maxBodySize;

    private ModelRouter router;
    private Ledger ledger;
    private BedrockClients bedrockClients;
    private CamelContext camelContext;
    private ProviderAccounts accounts;
    private RouteSwapHold swapHold;
    /** When the context began to stop ({@link System#nanoTime}), 0 before. */
    private volatile long stoppingSince;

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext context) {
        this.camelContext = context;
    }

    /** The routes' questions about the exchange's call ({@code ref: callPending} etc.), see {@link CallPredicates}. */
    @BindToRegistry
    public org.apache.camel.Predicate callPending() {
        return CallPredicates.PENDING;
    }

    @BindToRegistry
    public org.apache.camel.Predicate callIsStream() {
        return CallPredicates.STREAM;
    }

    @BindToRegistry
    public org.apache.camel.Predicate callOnAccount() {
        return CallPredicates.ON_ACCOUNT;
    }

    @BindToRegistry
    public org.apache.camel.Expression callBackoffMillis() {
        return CallPredicates.BACKOFF_MILLIS;
    }

    /** Named provider accounts (caravan.accounts), beside each provider's default account. */
    @BindToRegistry
    public synchronized ProviderAccounts providerAccounts() {
        if (accounts == null) {
            accounts = ProviderAccounts.load(key -> camelContext.getPropertiesComponent().resolveProperty(key)
                    .orElse(null));
        }
        return accounts;
    }

    @BindToRegistry
    public VertxOptions vertxOptions() {
        // Bedrock's and the mock's streams are relayed from worker threads (blocking reads), so the pool bounds those.
        // As many event loops as serve the API, so that its servers cover each loop once (ApiEventLoops).
        return new VertxOptions().setEventLoopPoolSize(eventLoops()).setWorkerPoolSize(workerThreads)
                .setMaxWorkerExecuteTime(1).setMaxWorkerExecuteTimeUnit(TimeUnit.HOURS);
    }

    @BindToRegistry("platform-http-engine")
    public ConfiguredPortHttpEngine platformHttpEngine() {
        return new ConfiguredPortHttpEngine(Set.of("/v1/chat/completions", "/ai/chat"));
    }

    @BindToRegistry
    public synchronized ModelRouter modelRouter() throws IOException {
        if (router == null) {
            router = new ModelRouter(Path.of(catalogFile), this::offered, providerAccounts());
        }
        return router;
    }

    private boolean offered(String provider) {
        switch (provider) {
            case "openai":
                return !openAiKey.isBlank();
            case "anthropic":
                return !anthropicKey.isBlank();
            case "bedrock":
                return "auto".equalsIgnoreCase(bedrockEnabled.trim()) ? AwsCredentialsHint.present()
                        : Boolean.parseBoolean(bedrockEnabled.trim());
            case "mock":
                return mockEnabled;
            default:
                return false;
        }
    }

    @BindToRegistry
    public synchronized Ledger ledger(CamelContext context) {
        if (ledger == null) {
            ledger = Ledger.open(LedgerSettings.fromProperties(
                    key -> context.getPropertiesComponent().resolveProperty(key).orElse(null)), context);
        }
        return ledger;
    }

    @BindToRegistry
    public BudgetsFile budgetsFile(CamelContext context) {
        return new BudgetsFile(Path.of(context.getPropertiesComponent().resolveProperty("caravan.ledger.budgets-file")
                .orElse("config/budgets.yaml")), ledger(context).budgetLedger());
    }

    @BindToRegistry
    public BudgetGate budgetGate(CamelContext context) throws IOException {
        return new BudgetGate(ledger(context), modelRouter(), Integer.parseInt(context.getPropertiesComponent()
                .resolveProperty("caravan.ledger.cut-stream-tokens-per-second").orElse("500").trim()));
    }

    @BindToRegistry
    public CostRecorder costRecorder(CamelContext context) {
        return new CostRecorder(ledger(context));
    }

    /** Where the wire-tapped cost route runs (api.yaml): on the request's event loop when recording never blocks. */
    @BindToRegistry
    public AfterAnswerExecutor afterAnswer(CamelContext context) {
        return new AfterAnswerExecutor(context, ledger(context).writesBehind());
    }

    @BindToRegistry
    public SpendReport spendReport(CamelContext context) {
        return new SpendReport(ledger(context));
    }

    @BindToRegistry
    public RequestIntake requestIntake() throws IOException {
        return new RequestIntake(streamRelay());
    }

    /** The providers' circuit breakers, asked by the provider routes around each call. */
    @BindToRegistry
    public Breakers breakers() {
        return Breakers.of(camelContext);
    }

    @BindToRegistry
    public FallbackChain fallbackChain() throws IOException {
        return new FallbackChain(modelRouter());
    }

    @BindToRegistry
    public AnswerWriter answerWriter() throws IOException {
        return new AnswerWriter(modelRouter());
    }

    @BindToRegistry
    public StreamRelay streamRelay() throws IOException {
        // After a stream only the budget's settle could block: when budgets are counted in DynamoDB.
        return new StreamRelay(modelRouter(), ledger(camelContext).budgetsInMemory());
    }

    @BindToRegistry
    public ErrorResponder errorResponder() {
        return new ErrorResponder();
    }

    @BindToRegistry
    public ModelList modelList() throws IOException {
        return new ModelList(modelRouter());
    }

    @BindToRegistry
    public HttpProviderCall openAiCall() {
        return new HttpProviderCall(new OpenAiCodec(), Map.of("Authorization", "Bearer " + openAiKey));
    }

    @BindToRegistry
    public HttpProviderCall anthropicCall() throws IOException {
        return new HttpProviderCall(anthropicCodec(), Map.of("x-api-key", anthropicKey, "anthropic-version",
                anthropicVersion));
    }

    private AnthropicCodec anthropicCodec() throws IOException {
        ModelRouter models = modelRouter();
        return new AnthropicCodec(model -> models.defaultMaxTokens(new Target("anthropic", model)));
    }

    /** OpenAI's calls, sent from the event loop (see openai.yaml). */
    @BindToRegistry
    public EventLoopHttpCall openAiSend() {
        return eventLoopCall("openai", "/chat/completions", new OpenAiCodec());
    }

    /** Anthropic's calls, sent from the event loop (see anthropic.yaml). */
    @BindToRegistry
    public EventLoopHttpCall anthropicSend() throws IOException {
        return eventLoopCall("anthropic", "/v1/messages", anthropicCodec());
    }

    private EventLoopHttpCall eventLoopCall(String provider, String path, HttpProviderCodec codec) {
        String p = "caravan." + provider + ".";
        // After a good answer only the budget's settle could block: when budgets are counted in DynamoDB.
        String baseUrl = ProviderAccounts.checkedUrl(p + "base-url", setting(p + "base-url"));
        return new EventLoopHttpCall(baseUrl + path, Integer.parseInt(setting(p + "connect-timeout-ms")),
                Long.parseLong(setting(p + "idle-timeout-ms")), Long.parseLong(setting(p + "call-timeout-ms")),
                ledger(camelContext).budgetsInMemory(), codec);
    }

    private String setting(String key) {
        return camelContext.getPropertiesComponent().resolveProperty(key)
                .orElseThrow(() -> new IllegalStateException(key + " is not set")).trim();
    }

    /**
     * Puts an exchange that is on the event loop onto a worker thread (dispatch.yaml, before each attempt), unless
     * the attempt is a single answer sent from the loop (OpenAI, Anthropic and named accounts, no backoff).
     */
    @BindToRegistry
    public OffEventLoop offEventLoop() {
        return new OffEventLoop(Set.of("openai", "anthropic"));
    }

    @BindToRegistry
    public AccountCalls accountCalls() throws IOException {
        AnthropicCodec anthropic = anthropicCodec();
        return new AccountCalls(providerAccounts().offered(), provider -> "anthropic".equals(provider)
                ? anthropic : new OpenAiCodec(), anthropicVersion);
    }

    @BindToRegistry
    public BedrockProvider bedrockProvider() throws IOException {
        Supplier<BedrockClients> clients = () -> {
            synchronized (this) {
                if (bedrockClients == null) {
                    bedrockClients = new BedrockClients(bedrockRegion.isBlank() ? null : Region.of(bedrockRegion),
                            bedrockEndpoint.isBlank() ? null : URI.create(bedrockEndpoint), null,
                            Duration.ofMillis(bedrockConnectTimeout), Duration.ofMillis(bedrockCallTimeout),
                            bedrockHttp1, 1);
                }
                return bedrockClients;
            }
        };
        ModelRouter models = modelRouter();
        return new BedrockProvider(clients, new BedrockCodec(models::defaultMaxTokens),
                Duration.ofMillis(bedrockIdleTimeout));
    }

    /** Where HTTP requests wait while a reloaded routes file's routes are swapped (dev.caravan.ops.RouteFileReloader). */
    @BindToRegistry
    public synchronized RouteSwapHold routeSwapHold() {
        if (swapHold == null) {
            swapHold = new RouteSwapHold();
        }
        return swapHold;
    }

    @BindToRegistry
    public MockProvider mockProvider() {
        return new MockProvider(new MockModels(mockStreamTokens), mockTokenDelay);
    }

    @Override
    public void configure(CamelContext context) {
        DirectBeanSteps.install(context);
        ApiEventLoops apiLoops = new ApiEventLoops(eventLoops());
        EdgeHandlers edge = new EdgeHandlers(Map.of("/v1/chat/completions", "POST", "/ai/chat", "POST",
                "/v1/models", "GET", "/v1/models/*", "GET", "/v1/spend", "GET", "/v1/budgets", "GET",
                "/admin/keys", "GET, POST", "/admin/keys/{id}", "GET, PATCH", "/admin/keys/{id}/revoke", "POST",
                "/admin/keys/{id}/rotate", "POST"), maxBodySize, routeSwapHold());
        ContextEvents.onStarted(context, () -> {
            ApiEventLoops.requireListening(context);
            int serverPort = ConfiguredPortHttpEngine.configuredPort(context);
            edge.install(context, serverPort);
            try {
                apiLoops.start(context);
            } catch (Exception e) {
                throw new IllegalStateException("cannot serve the API from " + eventLoops() + " event loops", e);
            }
            LOG.info("Caravan is serving on port {}", serverPort);
        });
        ContextEvents.onStopping(context, () -> stoppingSince = System.nanoTime());
        ContextEvents.onStopped(context, () -> {
            apiLoops.stop();
            closeOnStop(shutdownTimeLeft(context));
        });
    }

    /** What is left of the shutdown bound ({@code camel.main.shutdown-timeout}) since the gateway began to stop. */
    private Duration shutdownTimeLeft(CamelContext context) {
        long bound = context.getShutdownStrategy().getTimeUnit().toNanos(context.getShutdownStrategy().getTimeout());
        long stopping = stoppingSince == 0 ? 0 : System.nanoTime() - stoppingSince;
        return Duration.ofNanos(Math.max(0, bound - stopping));
    }

    /** How many event loops serve the API: {@code caravan.http.event-loops}, or one per processor when 0. */
    private int eventLoops() {
        return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
    }

    /**
     * The ledger lands the budget settlements still waiting for a retry and then replays its spool, in what is left of
     * the shutdown bound; the AWS SDK clients (if Bedrock was ever called) release their connections.
     */
    private synchronized void closeOnStop(Duration timeLeft) {
        if (ledger != null) {
            ledger.close(timeLeft);
        }
        if (bedrockClients != null) {
            bedrockClients.close();
        }
    }
}
