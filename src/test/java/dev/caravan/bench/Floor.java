package dev.caravan.bench;

import dev.caravan.api.ConfiguredPortHttpEngine;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.main.Main;
import org.apache.camel.support.AsyncProcessorSupport;

import java.net.URI;
import java.util.List;

/**
 * The platform's floor under the gateway: servers that do nothing a gateway does, so that what they cost is what
 * the platform costs. Each runs in its own JVM like the gateway (launched by {@link Floors}) and answers
 * {@code POST /v1/chat/completions}:
 * <ul>
 *   <li>{@code camel-answer}: Camel Main with one platform-http route that answers a fixed chat completion, the
 *   gateway's HTTP edge with nothing behind it;</li>
 *   <li>{@code camel-proxy}: the same route calling the upstream with camel-http, as the gateway's provider routes did
 *   ({@code throwExceptionOnFailure=false}, {@code disableStreamCache=true}) and answering its body;</li>
 *   <li>{@code camel-loop-proxy}: a Camel route run on the event loop that read the request (a consumer without
 *   platform-http's hand-off to a worker thread), calling the upstream with Vert.x's client as an asynchronous step:
 *   what Camel's routing engine costs when nothing blocks;</li>
 *   <li>{@code vertx-proxy}: Vert.x alone, the request forwarded with Vert.x's client from the event loop that read
 *   it and the answer written from the event loop that read it (no worker thread anywhere).</li>
 * </ul>
 * The port comes from {@code camel.server.port}, the upstream from {@code OPENAI_BASE_URL} (as for the gateway).
 */
public final class Floor {

    static final String ANSWER = "{\"id\":\"chatcmpl-floor\",\"object\":\"chat.completion\",\"created\":1732000000,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Hello from the floor.\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}}";

    /** The floors, in the order {@link Floors} measures them. */
    static final List<String> KINDS = List.of("camel-answer", "camel-proxy", "camel-loop-proxy", "vertx-proxy");

    private Floor() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getProperty("camel.server.port"));
        URI upstream = URI.create(System.getenv("OPENAI_BASE_URL") + "/chat/completions");
        switch (args[0]) {
            case "camel-answer" -> camel(port, false, upstream);
            case "camel-proxy" -> camel(port, true, upstream);
            case "camel-loop-proxy" -> camelOnTheLoop(port, upstream);
            case "vertx-proxy" -> vertx(port, upstream);
            default -> throw new IllegalArgumentException("unknown floor " + args[0]);
        }
    }

    /**
     * Camel Main as the gateway configures it (its application.properties: server, management port, metrics, the
     * HTTP client's settings), on its engine and worker pool size, with this one route instead of the gateway's.
     */
    private static void camel(int port, boolean proxy, URI upstream) throws Exception {
        Main main = camelMain(port);
        main.bind("platform-http-engine", new ConfiguredPortHttpEngine(java.util.Set.of()));
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                if (!proxy) {
                    from("platform-http:/v1/chat/completions?httpMethodRestrict=POST")
                            .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                            .setBody(constant(ANSWER));
                    return;
                }
                from("platform-http:/v1/chat/completions?httpMethodRestrict=POST")
                        .convertBodyTo(byte[].class)
                        .removeHeaders("*")
                        .setHeader(Exchange.HTTP_METHOD, constant("POST"))
                        .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                        .to(upstream + "?throwExceptionOnFailure=false&disableStreamCache=true")
                        .convertBodyTo(byte[].class)
                        .setHeader(Exchange.CONTENT_TYPE, constant("application/json"));
            }
        });
        main.run();
    }

    private static Main camelMain(int port) {
        Main main = new Main();
        main.addOverrideProperty("camel.main.routes-include-pattern", "classpath:no-routes-of-the-gateway/*.yaml");
        main.addOverrideProperty("camel.server.host", "127.0.0.1");
        main.addOverrideProperty("camel.server.port", Integer.toString(port));
        main.bind("vertxOptions", new VertxOptions().setWorkerPoolSize(1100));
        return main;
    }

    private static void camelOnTheLoop(int port, URI upstream) throws Exception {
        Main main = camelMain(port);
        main.bind("platform-http-engine", new VertxPlatformHttpEngine() {
            @Override
            public int getServerPort() {
                return port;
            }

            @Override
            public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
                return new LoopConsumer(endpoint, processor, getHandlers(), VertxPlatformHttpRouter.getRouterNameFromPort(port));
            }
        });
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                from("platform-http:/v1/chat/completions?httpMethodRestrict=POST")
                        .removeHeaders("*")
                        .process(new VertxCall(upstream))
                        .setHeader(Exchange.CONTENT_TYPE, constant("application/json"));
            }
        });
        main.run();
    }

    /** Runs the route on the event loop that read the request and answers from there (a floor: no error handling). */
    private static final class LoopConsumer extends VertxPlatformHttpConsumer {
        LoopConsumer(PlatformHttpEndpoint endpoint, Processor processor, List<Handler<RoutingContext>> handlers,
                     String routerName) {
            super(endpoint, processor, handlers, routerName);
        }

        @Override
        protected void handleRequest(RoutingContext ctx) {
            Exchange exchange = createExchange(false);
            exchange.setPattern(ExchangePattern.InOut);
            processHttpRequest(exchange, ctx).onComplete(read -> {
                if (read.failed()) {
                    ctx.fail(read.cause());
                    releaseExchange(exchange, false);
                    return;
                }
                try {
                    createUoW(exchange);
                } catch (Exception e) {
                    ctx.fail(e);
                    releaseExchange(exchange, false);
                    return;
                }
                getAsyncProcessor().process(exchange, doneSync -> {
                    byte[] body = exchange.getException() == null ? exchange.getMessage().getBody(byte[].class) : null;
                    if (body == null) {
                        ctx.response().setStatusCode(502).end();
                    } else {
                        ctx.response().putHeader("content-type", "application/json").end(Buffer.buffer(body));
                    }
                    doneUoW(exchange);
                    releaseExchange(exchange, false);
                });
            });
        }
    }

    /** The upstream call as an asynchronous step: Vert.x's client from the caller's event loop, no thread waits. */
    private static final class VertxCall extends AsyncProcessorSupport {
        private final RequestOptions call;
        private volatile HttpClient client;

        VertxCall(URI upstream) {
            call = forward(upstream);
        }

        @Override
        public boolean process(Exchange exchange, AsyncCallback callback) {
            if (client == null) {
                synchronized (this) {
                    if (client == null) {
                        client = upstreamClient(Vertx.currentContext().owner());
                    }
                }
            }
            byte[] bytes = exchange.getMessage().getBody(byte[].class);
            if (bytes == null) {
                exchange.setException(new IllegalArgumentException("no request body"));
                callback.done(true);
                return true;
            }
            Buffer body = Buffer.buffer(bytes);
            client.request(call).compose(r -> r.send(body)).compose(HttpClientResponse::body).onComplete(answer -> {
                if (answer.succeeded()) {
                    exchange.getMessage().setBody(answer.result().getBytes());
                } else {
                    exchange.setException(answer.cause());
                }
                callback.done(false);
            });
            return false;
        }
    }

    /** The proxies' client: keep-alive connections, enough of them for every caller at once. */
    private static HttpClient upstreamClient(Vertx vertx) {
        return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(256));
    }

    /** The forwarded request: POST of a JSON body to the upstream's chat completions. */
    private static RequestOptions forward(URI upstream) {
        return new RequestOptions().setMethod(HttpMethod.POST).setHost(upstream.getHost()).setPort(upstream.getPort())
                .setURI(upstream.getPath()).putHeader("content-type", "application/json");
    }

    private static void vertx(int port, URI upstream) {
        int loops = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        vertx.deployVerticle(() -> new VertxProxy(port, upstream), new DeploymentOptions().setInstances(loops));
    }

    /** One per event loop: its server and its client share the loop, so a request never changes threads. */
    private static final class VertxProxy extends AbstractVerticle {
        private final int port;
        private final URI upstream;

        VertxProxy(int port, URI upstream) {
            this.port = port;
            this.upstream = upstream;
        }

        @Override
        public void start() {
            HttpClient client = upstreamClient(vertx);
            RequestOptions call = forward(upstream);
            vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
                    .requestHandler(request -> request.body()
                            .compose(body -> client.request(call).compose(r -> r.send(body)))
                            .compose(HttpClientResponse::body)
                            .onSuccess(answer -> request.response().putHeader("content-type", "application/json").end(answer))
                            .onFailure(e -> request.response().setStatusCode(502).end()))
                    .listen();
        }
    }
}
