package dev.caravan.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Debian's {@code wrk} with bench/wrk/post.lua and reads the JSON line that script prints. */
final class Wrk {

    private final String executable;
    private final Path script;

    private Wrk(String executable, Path script) {
        this.executable = executable;
        this.script = script;
    }

    /** The wrk on the PATH, or null when there is none (or the Lua script is missing). */
    static Wrk find(Path repoRoot) {
        Path script = repoRoot.resolve("bench/wrk/post.lua");
        if (!Files.isRegularFile(script)) {
            return null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "wrk");
            if (Files.isExecutable(candidate)) {
                return new Wrk(candidate.toString(), script);
            }
        }
        return null;
    }

    LoadResult run(String target, int port, String path, String body, int concurrency, double warmupSeconds,
                   double seconds) throws IOException, InterruptedException {
        if (warmupSeconds > 0) {
            invoke(port, path, body, concurrency, warmupSeconds);
        }
        JsonNode r = invoke(port, path, body, concurrency, seconds);
        long errors = r.path("connect_errors").asLong() + r.path("read_errors").asLong()
                + r.path("write_errors").asLong() + r.path("status_errors").asLong() + r.path("timeouts").asLong();
        double actual = r.path("duration_us").asLong() / 1e6;
        long requests = r.path("requests").asLong();
        return new LoadResult(target, concurrency, "wrk", actual, requests, errors, requests / actual,
                r.path("p50_us").asLong() / 1e3, r.path("p99_us").asLong() / 1e3);
    }

    private JsonNode invoke(int port, String path, String body, int concurrency, double seconds)
            throws IOException, InterruptedException {
        int threads = Math.max(1, Math.min(concurrency, Runtime.getRuntime().availableProcessors()));
        int wholeSeconds = Math.max(1, (int) Math.round(seconds));
        ProcessBuilder builder = new ProcessBuilder(List.of(executable, "-t", Integer.toString(threads),
                "-c", Integer.toString(concurrency), "-d", wholeSeconds + "s", "--timeout", "30s", "-s",
                script.toString(), "http://127.0.0.1:" + port + path)).redirectErrorStream(true);
        builder.environment().put("BENCH_BODY", body);
        Process process = builder.start();
        byte[] out;
        try {
            out = process.getInputStream().readAllBytes();
            if (!process.waitFor(wholeSeconds + 40L, TimeUnit.SECONDS)) {
                throw new IOException("wrk did not finish");
            }
        } finally {
            process.destroyForcibly();
        }
        String text = new String(out, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (line.startsWith("BENCH_JSON ")) {
                return new ObjectMapper().readTree(line.substring("BENCH_JSON ".length()));
            }
        }
        throw new IOException("wrk printed no figures: " + text);
    }
}
