package dev.caravan.providers;

import dev.caravan.core.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

import java.util.concurrent.TimeoutException;

/**
 * Reads a provider's whole answer, up to a bound, so that an upstream gone wrong cannot fill the gateway's memory.
 * An error answer (status 400 and up) is kept to its first {@link #MAX_ERROR_BYTES}, which is all its decoding reads;
 * a single answer larger than {@link #MAX_ANSWER_BYTES} fails the attempt. Either way a cut answer's connection is
 * closed, not drained. (A stream's events are bounded by {@code SseParser} instead.)
 */
final class BoundedBody {

    /** A chat completion is a few KiB to a few hundred; 16 MiB leaves room for any real one. */
    static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;
    static final int MAX_ERROR_BYTES = 64 * 1024;

    private BoundedBody() {
    }

    /**
     * Call on the response's event loop, before its body has been read. A body not all in within {@code withinMs}
     * fails the read with a {@link TimeoutException} and its connection is closed.
     */
    static Future<Buffer> read(String provider, HttpClientResponse response, long withinMs) {
        boolean error = response.statusCode() >= 400;
        int max = error ? MAX_ERROR_BYTES : MAX_ANSWER_BYTES;
        long declared = declaredLength(response);
        // Sized by the declared length up to 1 MiB: a header alone does not make the gateway allocate more.
        Buffer body = Buffer.buffer(declared >= 0 ? (int) Math.min(declared, Math.min(max, 1 << 20)) : 1024);
        Promise<Buffer> read = Promise.promise();
        response.exceptionHandler(read::tryFail);
        response.endHandler(end -> read.tryComplete(body));
        response.handler(chunk -> {
            if (read.future().isComplete()) {
                return;
            }
            if (body.length() + chunk.length() <= max) {
                body.appendBuffer(chunk);
                return;
            }
            if (error) {
                body.appendBuffer(chunk, 0, max - body.length());
                read.tryComplete(body);
            } else {
                read.tryFail(GatewayException.upstreamUnavailable(provider,
                        "the answer is larger than " + (max >> 20) + " MiB"));
            }
            response.request().reset();
        });
        Vertx vertx = Vertx.currentContext().owner();
        long timer = vertx.setTimer(Math.max(1, withinMs), fired -> {
            if (read.tryFail(new TimeoutException("the answer did not arrive within the call timeout"))) {
                response.request().reset();
            }
        });
        return read.future().onComplete(done -> vertx.cancelTimer(timer));
    }

    private static long declaredLength(HttpClientResponse response) {
        try {
            String length = response.getHeader("content-length");
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
