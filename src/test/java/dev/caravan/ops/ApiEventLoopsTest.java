package dev.caravan.ops;

import dev.caravan.support.Gateway;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API served from several event loops ({@code caravan.http.event-loops}): new connections are spread over the
 * loops, every one is served, and all of them close with the gateway. Which loop served a request shows in its
 * access-log line: the cost route runs on the loop of the caller's connection.
 */
class ApiEventLoopsTest {

    private static final String CHAT = "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void connectionsAreSpreadOverTheConfiguredLoopsAndAllCloseWithTheGateway() throws Exception {
        Gateway gateway = Gateway.start(Map.of("caravan.http.event-loops", "3"));
        try (LogLines access = LogLines.capture("caravan.access")) {
            Set<String> loops = servedBy(gateway, access, 6);
            assertEquals(3, loops.size(), "six connections over three loops: " + loops);
        } finally {
            gateway.close();
        }
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", gateway.port()).close(),
                "no server left listening on the API's port");
    }

    @Test
    void oneLoopServesEveryConnectionWhenSoConfigured() throws Exception {
        try (Gateway gateway = Gateway.start(Map.of("caravan.http.event-loops", "1"));
             LogLines access = LogLines.capture("caravan.access")) {
            Set<String> loops = servedBy(gateway, access, 4);
            assertEquals(1, loops.size(), "one loop: " + loops);
        }
    }

    /** Sends one chat request on each of {@code connections} new connections; the event loops that served them. */
    private static Set<String> servedBy(Gateway gateway, LogLines access, int connections) throws Exception {
        for (int i = 0; i < connections; i++) {
            assertTrue(postOnNewConnection(gateway.port()).startsWith("HTTP/1.1 200"));
        }
        Set<String> threads = access.await(line -> line.message().contains("model=mock-echo"), connections, 10_000)
                .stream().map(LogLines.Line::thread).collect(Collectors.toSet());
        assertTrue(threads.stream().allMatch(thread -> thread.startsWith("vert.x-eventloop-thread")), threads.toString());
        return threads;
    }

    private static String postOnNewConnection(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
