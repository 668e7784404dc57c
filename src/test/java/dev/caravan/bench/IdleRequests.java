package dev.caravan.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Latency of single requests to servers that idle between them, as a gateway idles between the tokens of a slow
 * stream: one chat completion at a time on a keep-alive connection per server, {@code gapMillis} of nothing between
 * two requests, the servers taken in a new random order each round so that all of them meet the same machine. The
 * load points (wrk) measure servers kept busy; this measures what a request costs when the threads it crosses have
 * gone to sleep and the processor's caches hold other work, which is the condition of the time to first token.
 */
final class IdleRequests {

    /** Per server: medians and 90th percentiles in microseconds over the rounds kept. */
    record Result(String server, int samples, double p50Micros, double p90Micros) {
    }

    private IdleRequests() {
    }

    /**
     * {@code ports}: server name to loopback port, in the order to report; the first is the baseline (the direct
     * call). The first {@code discard} rounds are not kept.
     */
    static List<Result> measure(Map<String, Integer> ports, int rounds, int discard, long gapMillis)
            throws IOException, InterruptedException {
        byte[] request = request();
        Map<String, Connection> connections = new LinkedHashMap<>();
        Map<String, List<Long>> samples = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Integer> server : ports.entrySet()) {
                connections.put(server.getKey(), new Connection(server.getValue()));
                samples.put(server.getKey(), new ArrayList<>());
            }
            List<String> order = new ArrayList<>(ports.keySet());
            for (int round = 0; round < rounds; round++) {
                Collections.shuffle(order);
                for (String server : order) {
                    Thread.sleep(gapMillis);
                    long nanos = connections.get(server).exchange(request);
                    if (round >= discard) {
                        samples.get(server).add(nanos);
                    }
                }
            }
        } finally {
            for (Connection connection : connections.values()) {
                connection.close();
            }
        }
        List<Result> results = new ArrayList<>();
        samples.forEach((server, nanos) -> {
            long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            results.add(new Result(server, sorted.length, LoadResult.percentile(sorted, 50) / 1000.0,
                    LoadResult.percentile(sorted, 90) / 1000.0));
        });
        return results;
    }

    private static byte[] request() {
        byte[] body = GatewayProcess.CHAT_BODY.getBytes(StandardCharsets.UTF_8);
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer bench\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] bytes = new byte[head.length() + body.length];
        System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, head.length());
        System.arraycopy(body, 0, bytes, head.length(), body.length);
        return bytes;
    }

    /** One keep-alive HTTP/1.1 connection, read by hand so that the client's own work stays small and the same. */
    private static final class Connection implements AutoCloseable {

        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buffer = new byte[64 * 1024];

        Connection(int port) throws IOException {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        /** Sends the request and reads the whole answer; the nanoseconds in between. Fails on anything but 200. */
        long exchange(byte[] request) throws IOException {
            long start = System.nanoTime();
            out.write(request);
            out.flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream(2048);
            int headEnd = -1;
            long need = -1;
            boolean chunked = false;
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new IOException("the server closed the connection");
                }
                answer.write(buffer, 0, n);
                String text = answer.toString(StandardCharsets.ISO_8859_1);
                if (headEnd < 0) {
                    headEnd = text.indexOf("\r\n\r\n");
                    if (headEnd < 0) {
                        continue;
                    }
                    String head = text.substring(0, headEnd).toLowerCase(Locale.ROOT);
                    if (!head.startsWith("http/1.1 200")) {
                        throw new IOException("not a 200: " + head.lines().findFirst().orElse(""));
                    }
                    chunked = head.contains("transfer-encoding: chunked");
                    int at = head.indexOf("content-length:");
                    if (at >= 0) {
                        int end = head.indexOf('\r', at);
                        need = Long.parseLong(head.substring(at + 15, end < 0 ? head.length() : end).trim());
                    } else if (!chunked) {
                        throw new IOException("an answer with neither a length nor chunks");
                    }
                }
                int bodyLength = text.length() - headEnd - 4;
                if (chunked ? bodyLength >= 5 && text.endsWith("0\r\n\r\n") : bodyLength >= need) {
                    return System.nanoTime() - start;
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
