package dev.caravan.streaming;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The caller's side of a stream written from the event loop, over a real socket on 127.0.0.1: a caller who stops
 * reading makes the channel unwritable, and one who does not catch up within the drain wait is cut.
 */
class VertxClientChannelTest {

    static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Small socket buffers, so that a caller who does not read fills them, and Vert.x's queue, at once. */
    private static HttpServerOptions smallBuffers() {
        return new HttpServerOptions().setSendBufferSize(4096);
    }

    @Test
    void aCallerWhoStopsReadingIsCutAfterTheDrainWait() throws Exception {
        CompletableFuture<Long> cutAfter = new CompletableFuture<>();
        CompletableFuture<Boolean> caughtUp = new CompletableFuture<>();
        CompletableFuture<Boolean> closedWhenCut = new CompletableFuture<>();
        byte[] event = ("data: " + "x".repeat(1000) + "\n\n").getBytes(StandardCharsets.UTF_8);
        HttpServer server = vertx.createHttpServer(smallBuffers()).requestHandler(request -> {
            VertxClientChannel channel = new VertxClientChannel(request.response(), 300);
            long start = System.nanoTime();
            channel.onClose(() -> {
                closedWhenCut.complete(channel.closed());
                cutAfter.complete((System.nanoTime() - start) / 1_000_000);
            });
            channel.begin(200, Map.of("content-type", "text/event-stream"));
            // as a pushed stream does: write on the loop while the caller keeps up, then wait for it
            while (channel.writable()) {
                channel.write(event);
            }
            channel.whenWritable(() -> caughtUp.complete(true));
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try (Socket caller = new Socket()) {
            caller.setReceiveBufferSize(4096);
            caller.connect(new java.net.InetSocketAddress("127.0.0.1", server.actualPort()));
            OutputStream out = caller.getOutputStream();
            out.write("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // and never reads

            long millis = cutAfter.get(10, TimeUnit.SECONDS);
            assertTrue(millis >= 290 && millis < 5_000, "cut after " + millis + " ms");
            assertTrue(closedWhenCut.get(), "the channel counts the caller as gone");
            assertFalse(caughtUp.isDone(), "a caller who never caught up is not waited for");
        } finally {
            server.close();
        }
    }

    @Test
    void aCallerWhoCatchesUpIsWaitedFor() throws Exception {
        CompletableFuture<Boolean> caughtUp = new CompletableFuture<>();
        CompletableFuture<Integer> writesBeforeFull = new CompletableFuture<>();
        byte[] event = ("data: " + "y".repeat(1000) + "\n\n").getBytes(StandardCharsets.UTF_8);
        HttpServer server = vertx.createHttpServer(smallBuffers()).requestHandler(request -> {
            // a drain wait far longer than the caller takes to catch up, even on a loaded machine
            VertxClientChannel channel = new VertxClientChannel(request.response(), 60_000);
            channel.begin(200, Map.of("content-type", "text/event-stream"));
            int writes = 0;
            while (channel.writable()) {
                channel.write(event);
                writes++;
            }
            writesBeforeFull.complete(writes);
            channel.whenWritable(() -> {
                caughtUp.complete(!channel.closed());
                channel.end();
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try (Socket caller = new Socket()) {
            caller.setReceiveBufferSize(4096);
            caller.connect(new java.net.InetSocketAddress("127.0.0.1", server.actualPort()));
            caller.getOutputStream().write("POST /ai/chat HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertTrue(writesBeforeFull.get(10, TimeUnit.SECONDS) > 0);
            Thread.sleep(200);
            assertFalse(caughtUp.isDone(), "still waiting while the caller does not read");
            byte[] buffer = new byte[64 * 1024];
            long until = System.currentTimeMillis() + 30_000;
            while (!caughtUp.isDone() && System.currentTimeMillis() < until) {
                caller.getInputStream().read(buffer);
            }
            assertEquals(Boolean.TRUE, caughtUp.get(1, TimeUnit.SECONDS), "resumed, not cut");
        } finally {
            server.close();
        }
    }
}
