package dev.caravan.streaming;

import dev.caravan.core.GatewayException;
import dev.caravan.core.StreamEvent;
import dev.caravan.providers.StreamDecoder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * An SSE answer read by Vert.x's client on the event loop that owns its upstream connection (the loop that serves
 * the caller, see {@code EventLoopHttpCall}): its bytes are parsed and decoded as they arrive and the events pushed
 * to the relay, which writes them to the caller from the same loop. No thread waits for the upstream, and an event
 * crosses no thread on its way through the gateway.
 * <p>
 * Until the answer has really begun (text, audio, a tool call or a finish) its events are held: an error sent as the
 * first event, or a stream that ends or stalls first, fails the attempt ({@link #read}'s future), which may then fall
 * back. After that, failures go to the relay's sink. A caller slow to read pauses the upstream's response until it has
 * caught up, so the gateway never buffers a stream without bound. The upstream may be silent for at most the idle
 * timeout (the request's own idle timeout ends at the answer's head): one timer per stream, re-armed for what is
 * left when bytes came meanwhile, not one per event; a pause for a slow caller is not silence. A stream cut short is
 * reset, never drained; a finished one leaves its connection to the client's pool. OpenAI reports the usage only in
 * its last chunk: a stream ended before it (cut, left by its caller, failed) is taken to have used the prompt the
 * gateway estimated, while Anthropic's count from message_start is kept.
 * <p>
 * All state is touched on the loop; {@link #push} and {@link #abort} may be called from any thread.
 */
public final class EventLoopSseStream implements UpstreamStream {

    private final String provider;
    private final HttpClientResponse response;
    private final Context loop;
    private final Thread loopThread = Thread.currentThread();
    private final StreamDecoder decoder;
    private final long idleTimeoutMs;
    private final LongSupplier promptEstimate;
    private long lastBytesNanos = System.nanoTime();
    private boolean paused;
    private long idleTimer = -1;
    private final SseParser parser = new SseParser(this::onEvent);
    /** Until the answer has begun: its outcome; null after. */
    private Promise<EventLoopSseStream> beginning = Promise.promise();
    /** Events decoded before a sink was attached. */
    private List<StreamEvent> held = new ArrayList<>();
    private StreamSink sink;
    private boolean over;
    /** The failure that ended the stream before a sink was attached, if one did. */
    private GatewayException endedWith;
    /** Whether the stream ended cleanly before a sink was attached. */
    private boolean endedEarly;

    private EventLoopSseStream(String provider, HttpClientResponse response, Context loop, StreamDecoder decoder,
                               long idleTimeoutMs, LongSupplier promptEstimate) {
        this.provider = provider;
        this.response = response;
        this.loop = loop;
        this.decoder = decoder;
        this.idleTimeoutMs = idleTimeoutMs;
        this.promptEstimate = promptEstimate;
    }

    /**
     * Starts reading a 2xx event-stream answer; call on the response's event loop ({@code loop} runs actions there).
     * The future completes with the stream once the answer has really begun, or fails with the
     * {@link GatewayException} that ends the attempt. {@code promptEstimate}: the prompt's tokens as the gateway counts
     * them, asked only of a stream that ends before its provider reported them ({@link #estimatedPromptTokens}).
     */
    public static Future<EventLoopSseStream> read(String provider, HttpClientResponse response, Context loop,
                                                  StreamDecoder decoder, long idleTimeoutMs,
                                                  LongSupplier promptEstimate) {
        EventLoopSseStream stream = new EventLoopSseStream(provider, response, loop, decoder, idleTimeoutMs,
                promptEstimate);
        Future<EventLoopSseStream> begun = stream.beginning.future();
        response.exceptionHandler(stream::onFailure);
        response.endHandler(end -> stream.onEnd());
        response.handler(stream::onBytes);
        stream.armIdleTimer(idleTimeoutMs);
        return begun;
    }

    private void onBytes(Buffer bytes) {
        if (over) {
            return;
        }
        lastBytesNanos = System.nanoTime();
        try {
            parser.feed(bytes.getBytes());
        } catch (SseParser.EventTooLarge e) {
            fail(GatewayException.upstreamUnavailable(provider, e.getMessage()));
            return;
        }
        if (!over && sink != null && !sink.ready()) {
            pauseUntilReady();
        }
    }

    private void pauseUntilReady() {
        if (paused) {
            return;
        }
        paused = true;
        response.pause();
        sink.whenReady(() -> {
            if (!over) {
                paused = false;
                lastBytesNanos = System.nanoTime();
                response.resume();
            }
        });
    }

    private void armIdleTimer(long delayMs) {
        if (idleTimeoutMs > 0) {
            idleTimer = loop.owner().setTimer(Math.max(1, delayMs), fired -> idleCheck());
        }
    }

    private void idleCheck() {
        idleTimer = -1;
        if (over) {
            return;
        }
        long silentMs = (System.nanoTime() - lastBytesNanos) / 1_000_000;
        if (paused || silentMs < idleTimeoutMs) {
            armIdleTimer(paused ? idleTimeoutMs : idleTimeoutMs - silentMs);
        } else {
            fail(GatewayException.timeout(provider, "no stream event within the idle timeout"));
        }
    }

    private void onEvent(SseEvent event) {
        if (over) {
            return;
        }
        List<StreamEvent> events;
        try {
            events = decoder.decode(event);
        } catch (GatewayException e) {
            fail(e);
            return;
        } catch (RuntimeException e) {
            fail(GatewayException.upstreamUnavailable(provider, "an event the gateway could not read: "
                    + e.getClass().getSimpleName()));
            return;
        }
        int failure = failureAt(events);
        List<StreamEvent> good = failure < 0 ? events : events.subList(0, failure);
        forward(good);
        if (failure >= 0) {
            fail(((StreamEvent.Failed) events.get(failure)).error());
            return;
        }
        if (beginning != null && StreamEvent.beginAnswer(good)) {
            takeBeginning().complete(this);
        }
        if (decoder.finished()) {
            end();
        }
    }

    /** Hands {@code events} to the sink, or keeps them for it until one is attached. */
    private void forward(List<StreamEvent> events) {
        if (sink == null) {
            held.addAll(events);
        } else if (!events.isEmpty()) {
            sink.events(events);
        }
    }

    private static int failureAt(List<StreamEvent> events) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof StreamEvent.Failed) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The upstream's answer is complete on the wire. A stream the provider never said was over (no {@code [DONE]} or
     * {@code message_stop}) was cut short: once begun, that is a failure, never a finished answer.
     */
    private void onEnd() {
        parser.end();
        if (!over && beginning == null && !decoder.finished()) {
            over();
            failed(GatewayException.streamCutShort(provider));
        } else {
            end();
        }
    }

    private void onFailure(Throwable failure) {
        fail(failure instanceof TimeoutException
                ? GatewayException.timeout(provider, "no stream event within the idle timeout")
                : GatewayException.upstreamUnavailable(provider, "the stream broke off: "
                        + failure.getClass().getSimpleName()));
    }

    /**
     * Ends the stream cleanly: the provider finished it (its connection goes back to the pool), or it was stopped.
     * Before any answer that fails the attempt.
     */
    private void end() {
        if (over) {
            return;
        }
        over();
        if (beginning != null) {
            takeBeginning().fail(GatewayException.upstreamUnavailable(provider, "the stream ended before any answer"));
        } else if (sink != null) {
            sink.ended();
        } else {
            endedEarly = true;
        }
    }

    private void fail(GatewayException error) {
        if (over) {
            return;
        }
        over();
        reset();
        failed(error);
    }

    /**
     * Tells the attempt, the sink, or (until one is attached) the stream itself that it failed; after the answer
     * began, what the decoder held back goes first ({@link StreamDecoder#failed}).
     */
    private void failed(GatewayException error) {
        if (beginning != null) {
            takeBeginning().fail(error);
            return;
        }
        List<StreamEvent> last = decoder.failed(error);
        int failure = failureAt(last);
        forward(failure < 0 ? last : last.subList(0, failure));
        if (sink != null) {
            sink.failed(error);
        } else {
            endedWith = error;
        }
    }

    /** The attempt's outcome, to be settled once: from then on failures go to the sink. */
    private Promise<EventLoopSseStream> takeBeginning() {
        Promise<EventLoopSseStream> attempt = beginning;
        beginning = null;
        return attempt;
    }

    private void over() {
        over = true;
        if (idleTimer >= 0) {
            loop.owner().cancelTimer(idleTimer);
            idleTimer = -1;
        }
        if (paused) {
            // what is left of a finished answer (its last chunk) is read and dropped, so its connection is free again
            paused = false;
            response.resume();
        }
    }

    /** Stops the upstream's answer at once: an unfinished HTTP/1.1 answer's connection is closed, not drained. */
    private void reset() {
        response.request().reset();
    }

    @Override
    public boolean push(StreamSink target) {
        onLoop(() -> {
            sink = target;
            List<StreamEvent> ahead = held;
            held = null;
            if (!ahead.isEmpty()) {
                target.events(ahead);
            }
            if (endedWith != null) {
                target.failed(endedWith);
            } else if (endedEarly) {
                target.ended();
            } else if (!over && !target.ready()) {
                // (over: the sink ended it among the events read ahead, a cut)
                pauseUntilReady();
            }
        });
        return true;
    }

    @Override
    public long estimatedPromptTokens() {
        return promptEstimate.getAsLong();
    }

    @Override
    public List<StreamEvent> next() {
        throw new IllegalStateException("a pushed stream is not read with next()");
    }

    /** The caller went away (or the gateway cut the stream): the upstream's answer is reset, the sink told it ended. */
    @Override
    public void abort() {
        onLoop(() -> {
            if (!over) {
                end();
                reset(); // after: the reset's own exception finds the stream over
            }
        });
    }

    @Override
    public void close() {
        abort();
    }

    private void onLoop(Runnable action) {
        if (Thread.currentThread() == loopThread) {
            action.run();
        } else {
            loop.runOnContext(go -> action.run());
        }
    }
}
