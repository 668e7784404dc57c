package dev.caravan.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The gateway as its users run it: {@code java -cp ... dev.caravan.Caravan} in its own JVM, from the repository root
 * (so it finds routes/ and config/), on free loopback ports, with OpenAI pointed at the fake upstream.
 */
final class GatewayProcess implements AutoCloseable {

    static final String CHAT_BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    /** The gateway's main class, launched without arguments. */
    static final List<String> GATEWAY_MAIN = List.of("dev.caravan.Caravan");

    private final Process process;
    private final Path dataDir;
    private final int port;
    private final long startupMillis;

    /** Launches and waits for the first successful chat completion; the time to it is the start-up time. */
    GatewayProcess(Path repoRoot, String classpath, List<String> jvmOptions, String upstreamBaseUrl, Path log,
                   Duration startTimeout) throws IOException, InterruptedException {
        this(repoRoot, classpath, jvmOptions, upstreamBaseUrl, log, startTimeout, GATEWAY_MAIN);
    }

    /** The same launch with another main class and its arguments (the floors of {@link Floors}). */
    GatewayProcess(Path repoRoot, String classpath, List<String> jvmOptions, String upstreamBaseUrl, Path log,
                   Duration startTimeout, List<String> mainAndArgs) throws IOException, InterruptedException {
        this.port = Ports.free();
        int management = Ports.free();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Ports as system properties: CAMEL_SERVER_PORT in the environment is read by the engine's port lookup but
        // did not move Camel Main's server in 4.17 (it stayed on application.properties' port), see bench/README.md.
        command.add("-Dcamel.server.port=" + port);
        command.add("-Dcamel.server.host=127.0.0.1");
        command.add("-Dcamel.management.port=" + management);
        command.add("-Dcamel.management.host=127.0.0.1");
        // A ledger of its own, deleted at the end: runs do not measure, nor fill, the repository's data/.
        this.dataDir = Files.createTempDirectory("caravan-bench-data");
        command.add("-Dcaravan.ledger.data-dir=" + dataDir);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.addAll(mainAndArgs);
        ProcessBuilder builder = new ProcessBuilder(command).directory(repoRoot.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("OPENAI_BASE_URL", upstreamBaseUrl);
        env.put("OPENAI_API_KEY", "bench");
        env.remove("ANTHROPIC_API_KEY");
        env.put("CAMEL_SERVER_PORT", Integer.toString(port));
        env.put("CAMEL_MANAGEMENT_PORT", Integer.toString(management));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(500)).build();
        HttpRequest first = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("content-type", "application/json").timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT_BODY)).build();
        long launched = System.nanoTime();
        process = builder.start();
        long deadline = launched + startTimeout.toNanos();
        long answeredAt = -1;
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<String> response = http.send(first, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    answeredAt = System.nanoTime();
                    break;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        if (answeredAt < 0) {
            close();
            throw new IOException("the gateway did not answer within " + startTimeout + "; see " + log);
        }
        startupMillis = (answeredAt - launched) / 1_000_000;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** Linux's clock tick (USER_HZ, 100 per second), in microseconds. */
    private static final double MICROS_PER_TICK = 10_000.0;

    /**
     * The gateway's CPU time per request, in microseconds, from {@code ticksBefore} ({@link #cpuTicks}, read before
     * the requests) to now; NaN where /proc cannot be read.
     */
    double cpuMicrosPerRequestSince(long ticksBefore, long requests) {
        long ticksAfter = cpuTicks();
        return ticksBefore < 0 || ticksAfter < 0 ? Double.NaN
                : (ticksAfter - ticksBefore) * MICROS_PER_TICK / Math.max(1, requests);
    }

    /** utime + stime of the gateway's JVM in clock ticks (100 per second on Linux; -1 where unavailable). */
    long cpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    long startupMillis() {
        return startupMillis;
    }

    /** VmRSS and VmHWM of the gateway's JVM in KiB (from /proc; -1 where unavailable). */
    long[] memoryKib() {
        long rss = -1;
        long hwm = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kib(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return new long[] {rss, hwm};
    }

    /** Number of the JVM's threads (from /proc; -1 where unavailable). */
    long threads() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("Threads:")) {
                    return Long.parseLong(line.substring(8).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            Bench.say("could not delete the gateway's ledger in " + dataDir + ": " + e);
        }
    }
}
