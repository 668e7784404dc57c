package dev.caravan.resilience;

import dev.caravan.support.FakeOpenAi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fake OpenAI-compatible upstream on raw sockets, so that it can misbehave the way real networks do: answer
 * with an error status, hang without answering, reset the connection, send a malformed answer, or cut a stream
 * after some events. Each connection serves one request ({@code Connection: close}). Tests script the next
 * answers and count the calls that reached it.
 */
final class FaultyUpstream implements AutoCloseable {

    /** How to answer one request. */
    interface Fault {
        void serve(Socket socket, OutputStream out) throws IOException;
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "faulty-upstream");
        thread.setDaemon(true);
        return thread;
    });
    private final ConcurrentLinkedQueue<Fault> script = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Fault> always = new AtomicReference<>(ok("Hello from upstream."));
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    FaultyUpstream() throws IOException {
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
    }

    /** The next request gets {@code fault}; later ones the following scripted answers, then {@link #always}. */
    FaultyUpstream then(Fault fault) {
        script.add(fault);
        return this;
    }

    FaultyUpstream always(Fault fault) {
        always.set(fault);
        return this;
    }

    /** Forgets the script and the calls received, and answers normally again. */
    void reset() {
        script.clear();
        received.clear();
        always.set(ok("Hello from upstream."));
    }

    /** How many requests reached this upstream. */
    int calls() {
        return received.size();
    }

    List<String> received() {
        return received;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                open.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                if (!closed) {
                    FakeOpenAi.pause(10);
                }
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            String body = readRequest(socket.getInputStream());
            if (body == null) {
                return;
            }
            received.add(body);
            Fault fault = script.poll();
            (fault != null ? fault : always.get()).serve(socket, socket.getOutputStream());
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // the gateway went away (timeout, client gone): expected in several tests
        } finally {
            open.remove(socket);
        }
    }

    /** Reads one HTTP request; its body, or null when the connection closed first. */
    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        int b;
        while (last4 != 0x0d0a0d0a) {
            if ((b = in.read()) == -1) {
                return null;
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        long length = 0;
        boolean chunked = false;
        for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (!chunked) {
            return new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readLine(in);
            int n = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (n == 0) {
                while (!readLine(in).isEmpty()) {
                    // trailers
                }
                return body.toString(StandardCharsets.UTF_8);
            }
            body.write(in.readNBytes(n));
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
        threads.shutdownNow();
    }

    // ---- faults -----------------------------------------------------------------------------------------------

    /** A complete answer with {@code status}, a JSON body and extra headers ("name: value"). */
    static Fault status(int status, String json, String... headers) {
        return (socket, out) -> {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " X\r\ncontent-type: application/json\r\n"
                    + "content-length: " + bytes.length + "\r\nconnection: close\r\n");
            for (String header : headers) {
                head.append(header).append("\r\n");
            }
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
        };
    }

    static Fault ok(String content) {
        return status(200, FakeOpenAi.chatCompletion(content, 10, 3));
    }

    static Fault error(int status) {
        return status(status, "{\"error\":{\"message\":\"fault " + status + "\",\"type\":\"server_error\","
                + "\"param\":null,\"code\":null}}");
    }

    static Fault rateLimited(String retryAfterHeader) {
        return status(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"param\":null,"
                + "\"code\":\"rate_limit_exceeded\"}}", retryAfterHeader);
    }

    /** Reads the request, then never answers (until the caller gives up and closes the connection). */
    static Fault hang() {
        return (socket, out) -> {
            InputStream in = socket.getInputStream();
            while (in.read() != -1) {
                // wait for the gateway to close the connection
            }
        };
    }

    /** Sends nothing for {@code delayMillis} (a model still generating a single answer), then {@code fault}. */
    static Fault after(long delayMillis, Fault fault) {
        return (socket, out) -> {
            FakeOpenAi.pause(delayMillis);
            fault.serve(socket, out);
        };
    }

    /** Resets the connection (TCP RST) instead of answering. */
    static Fault connectionReset() {
        return (socket, out) -> abort(socket);
    }

    /** A 200 whose body is not JSON (truncated). */
    static Fault malformed() {
        return status(200, "{\"id\":\"chatcmpl-broken\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,");
    }

    /** An answer whose head has a header longer than any HTTP client takes (a proxy gone wrong): not valid HTTP. */
    static Fault oversizedHeader() {
        return (socket, out) -> out.write(("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-trace: "
                + "a".repeat(64 * 1024) + "\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A 200 whose chunked body breaks off into bytes that are no chunk: not valid HTTP. */
    static Fault brokenChunking() {
        return (socket, out) -> out.write(("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                + "transfer-encoding: chunked\r\nconnection: close\r\n\r\nnot a chunk size\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    /** A complete, well-formed SSE stream of {@code data} events (chunked, as OpenAI sends them). */
    static Fault stream(List<String> data) {
        return stream(data, -1, false, 0);
    }

    /**
     * An SSE stream (chunked) of {@code data} events; after {@code cutAfter} events (negative: never) the connection
     * is reset, or with {@code stall} the upstream stops sending and waits for the gateway to give up.
     */
    static Fault stream(List<String> data, int cutAfter, boolean stall, long delayMillis) {
        return (socket, out) -> {
            out.write(("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n"
                    + "connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            int sent = 0;
            for (String event : data) {
                if (sent == cutAfter) {
                    if (stall) {
                        hang().serve(socket, out);
                    } else {
                        abort(socket);
                    }
                    return;
                }
                if (delayMillis > 0) {
                    FakeOpenAi.pause(delayMillis);
                }
                byte[] chunk = ("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8);
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                sent++;
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        };
    }

    private static void abort(Socket socket) throws IOException {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already gone
        }
        socket.close();
    }
}
