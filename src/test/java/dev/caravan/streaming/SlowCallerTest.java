package dev.caravan.streaming;

import dev.caravan.support.FakeOpenAi;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole gateway between a provider that streams as fast as it can and a caller who stops reading, over real
 * sockets: the provider is held back (the gateway stops reading it rather than buffer) and goes on when the caller
 * reads again, and when the caller leaves the provider's stream is cut at once.
 */
class SlowCallerTest {

    private static final String CHUNK = FakeOpenAi.streamChunks(List.of(" more"), 1).get(1);

    @Test
    void aCallerWhoStopsReadingHoldsTheProviderBackAndOneWhoLeavesCutsIt() throws Exception {
        AtomicLong written = new AtomicLong();
        CompletableFuture<Long> providerCut = new CompletableFuture<>();
        try (FakeOpenAi openAi = new FakeOpenAi();
             Gateway gateway = Gateway.start(Map.of("caravan.openai.base-url", openAi.baseUrl(),
                     "caravan.openai.api-key", "sk-test"))) {
            openAi.always(exchange -> {
                exchange.getResponseHeaders().add("content-type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                byte[] event = ("data: " + CHUNK + "\n\n").getBytes(StandardCharsets.UTF_8);
                try {
                    // far more than any buffer on the way could hold: 256 MiB
                    while (written.get() < 256L * 1024 * 1024) {
                        out.write(event);
                        out.flush();
                        written.addAndGet(event.length);
                    }
                } catch (IOException cut) {
                    providerCut.complete(written.get());
                    throw cut;
                }
            });

            try (Socket caller = new Socket()) {
                caller.setReceiveBufferSize(8192);
                caller.connect(new InetSocketAddress("127.0.0.1", gateway.port()));
                String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
                caller.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
                        + "content-type: application/json\r\ncontent-length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                InputStream in = caller.getInputStream();
                byte[] head = new byte[4096];
                int read = in.read(head);
                assertTrue(new String(head, 0, read, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
                // and from here on the caller reads nothing

                long held = waitUntilStill(written);
                assertTrue(held < 64L * 1024 * 1024, "the provider was held back after " + held + " bytes");
                assertEquals(held, written.get(), "nothing more went out while the caller did not read");

                // reading again lets the provider go on
                byte[] buffer = new byte[64 * 1024];
                long deadline = System.currentTimeMillis() + 20_000;
                while (written.get() <= held && System.currentTimeMillis() < deadline) {
                    in.read(buffer);
                }
                assertTrue(written.get() > held, "the provider went on once the caller read again");
            }

            long cutAt = providerCut.get(10, TimeUnit.SECONDS);
            assertTrue(cutAt < 64L * 1024 * 1024, "cut after " + cutAt + " bytes");
        }
    }

    /** The count once it has not moved for a second (the provider's writes block), within 30 s. */
    private static long waitUntilStill(AtomicLong count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        long last = -1;
        while (System.currentTimeMillis() < deadline) {
            long now = count.get();
            if (now == last && now > 0) {
                return now;
            }
            last = now;
            Thread.sleep(1_000);
        }
        return count.get();
    }
}
