package dev.caravan.providers.bedrock;

import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.streaming.UpstreamStream;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * A ConverseStream answer as an {@link UpstreamStream}. The SDK's event publisher is asked for at most
 * {@code capacity} events ahead of the relay, so the queue between them is bounded and the SDK's threads never
 * block; each event is decoded on arrival and handed over at once. Bedrock reports the usage only in the metadata
 * event that ends the stream: one ended before it (cut, left by its caller) is taken to have used the prompt the
 * gateway estimated.
 */
public final class BedrockConverseStream implements UpstreamStream {

    private static final int CAPACITY = 64;

    /** What the queue holds: decoded events, the end, or a failure. */
    private sealed interface Item {
    }

    private record Events(List<StreamEvent> events) implements Item {
    }

    private record End() implements Item {
    }

    private record Failure(GatewayException error) implements Item {
    }

    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>(CAPACITY + 2);
    private final BedrockStreamDecoder decoder;
    private final Duration idleTimeout;
    private final LongSupplier promptEstimate;
    private final AtomicBoolean terminal = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Subscription subscription;
    private volatile CompletableFuture<Void> call;
    private boolean ended;
    /** Whether the answer has begun ({@link #awaitFirstEvent} returned): a failure then ends the caller's stream. */
    private boolean begun;
    private List<StreamEvent> firstEvents;

    private BedrockConverseStream(BedrockStreamDecoder decoder, Duration idleTimeout, LongSupplier promptEstimate) {
        this.decoder = decoder;
        this.idleTimeout = idleTimeout;
        this.promptEstimate = promptEstimate;
    }

    /**
     * Starts the call; events are read with {@link #next()}. {@code promptEstimate}: the prompt's tokens as the gateway
     * counts them, asked only of a stream that ends before Bedrock reported them ({@link #estimatedPromptTokens}).
     */
    public static BedrockConverseStream start(BedrockRuntimeAsyncClient client, ConverseStreamRequest request,
                                              BedrockStreamDecoder decoder, Duration idleTimeout,
                                              LongSupplier promptEstimate) {
        BedrockConverseStream stream = new BedrockConverseStream(decoder, idleTimeout, promptEstimate);
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .onResponse(response -> decoder.messageId(response.responseMetadata().requestId()))
                .subscriber(stream::newSubscriber)
                .onError(stream::fail)
                .build();
        CompletableFuture<Void> call = client.converseStream(request, handler);
        stream.call = call;
        call.whenComplete((ok, error) -> {
            if (error != null) {
                stream.fail(error);
            } else {
                stream.end();
            }
        });
        if (stream.closed.get()) {
            call.cancel(true);
        }
        return stream;
    }

    /**
     * Blocks until the answer has really begun (text, a tool call or a finish; not only messageStart) and keeps what
     * came for {@link #next()}, so that a failure Bedrock sends first (a 200 answer holding only an exception event),
     * or right after messageStart (a model overloaded as it started), is thrown here, while fallback is still possible.
     */
    public BedrockConverseStream awaitFirstEvent() {
        if (firstEvents != null || ended) {
            return this;
        }
        List<StreamEvent> held = new ArrayList<>();
        List<StreamEvent> events;
        do {
            events = next();
            if (events != null) {
                held.addAll(events);
            }
        } while (events != null && !StreamEvent.beginAnswer(events));
        firstEvents = held.isEmpty() ? null : held;
        begun = true;
        return this;
    }

    @Override
    public List<StreamEvent> next() {
        if (firstEvents != null) {
            List<StreamEvent> first = firstEvents;
            firstEvents = null;
            return first;
        }
        if (ended) {
            return null;
        }
        while (true) {
            Item item;
            try {
                item = queue.poll(idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return failed(GatewayException.upstreamUnavailable(BedrockErrors.PROVIDER,
                        "interrupted while streaming"));
            }
            if (item == null) {
                return failed(GatewayException.timeout(BedrockErrors.PROVIDER,
                        "no stream event for " + idleTimeout.toMillis() + " ms"));
            }
            if (item instanceof Failure failure) {
                return failed(failure.error());
            }
            if (item instanceof End) {
                ended = true;
                if (!decoder.finished() && !closed.get()) {
                    // the answer's connection closed without messageStop (not the caller leaving, close()): only
                    // part of an answer came
                    return failed(GatewayException.streamCutShort(BedrockErrors.PROVIDER));
                }
                return null;
            }
            Subscription s = subscription;
            if (s != null) {
                s.request(1);
            }
            List<StreamEvent> events = ((Events) item).events();
            if (!events.isEmpty()) {
                return events;
            }
        }
    }

    /**
     * Ends the stream with {@code error}: thrown before the answer began (the attempt fails, and may fall back); after,
     * returned as the events the decoder held back and then the failure, which the relay writes in that order.
     */
    private List<StreamEvent> failed(GatewayException error) {
        ended = true;
        close();
        if (!begun) {
            throw error;
        }
        return decoder.failed(error);
    }

    @Override
    public long estimatedPromptTokens() {
        return promptEstimate.getAsLong();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        terminal.set(true);
        // A relay waiting in next() (the caller left, abort() from the event loop) ends at once, as the stream
        // would have: not after the idle timeout, holding its thread, with a timeout for a failure.
        queue.offer(new End());
        Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        CompletableFuture<Void> running = call;
        if (running != null) {
            running.cancel(true);
        }
    }

    private Subscriber<ConverseStreamOutput> newSubscriber() {
        return new Subscriber<>() {
            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                if (closed.get()) {
                    s.cancel();
                } else {
                    s.request(CAPACITY);
                }
            }

            @Override
            public void onNext(ConverseStreamOutput event) {
                if (terminal.get()) {
                    return;
                }
                List<StreamEvent> events;
                try {
                    events = decoder.decode(event);
                } catch (RuntimeException e) {
                    fail(e);
                    return;
                }
                queue.offer(new Events(events));
            }

            @Override
            public void onError(Throwable error) {
                fail(error);
            }

            @Override
            public void onComplete() {
                end();
            }
        };
    }

    private void fail(Throwable error) {
        if (terminal.compareAndSet(false, true)) {
            queue.offer(new Failure(BedrockErrors.map(error)));
        }
    }

    private void end() {
        if (terminal.compareAndSet(false, true)) {
            queue.offer(new End());
        }
    }
}
