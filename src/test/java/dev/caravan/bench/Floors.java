package dev.caravan.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the platform costs before the gateway does anything: the non-streaming points of the benchmark (wrk,
 * concurrency 1 and 32) directly against the fake upstream, against each {@link Floor} and against the gateway, in
 * one run on one upstream, with each server's CPU time per request; then one request at a time to each of them, idle in
 * between ({@link IdleRequests}). {@code bench/run.sh --floors} runs it; the results go to
 * {@code bench/results/<date-time>-floors.md}.
 */
public final class Floors {

    /** Rounds of idle requests not kept: the first connections' and the client's own first requests. */
    private static final int IDLE_DISCARD = 20;

    private Floors() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = 10;
        double warmup = 45;
        double gatewayWarmup = 45;
        String gatewayClasspath = null;
        int idleRounds = 200;
        long idleGapMillis = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup-seconds" -> warmup = Double.parseDouble(args[++i]);
                case "--gateway-warmup-seconds" -> gatewayWarmup = Double.parseDouble(args[++i]);
                case "--gateway-cp" -> gatewayClasspath = args[++i];
                case "--idle-rounds" -> idleRounds = Integer.parseInt(args[++i]);
                case "--idle-gap-ms" -> idleGapMillis = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path root = Path.of("").toAbsolutePath();
        Wrk wrk = Wrk.find(root);
        if (wrk == null) {
            throw new IllegalStateException("the floors are measured with wrk; none on the PATH");
        }
        Path out = root.resolve("bench/results");
        Files.createDirectories(out);
        String name = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss")) + "-floors";
        Map<String, String> machine = Bench.Machine.describe();
        int cores = Runtime.getRuntime().availableProcessors();
        List<Row> rows = new ArrayList<>();
        List<IdleRequests.Result> idle;
        try (FastUpstream upstream = new FastUpstream(cores, 3, 0)) {
            for (int c : new int[] {1, 32}) {
                rows.add(new Row(wrk.run("direct", upstream.port(), "/v1/chat/completions", GatewayProcess.CHAT_BODY,
                        c, 2, seconds), Double.NaN));
            }
            List<String> servers = new ArrayList<>(Floor.KINDS);
            servers.add("gateway");
            // All servers up at once, so that the idle requests can take them in turns; each one idles while the
            // others are measured.
            Map<String, GatewayProcess> running = new LinkedHashMap<>();
            try {
                for (String floor : servers) {
                    running.put(floor, launch(root, name, floor, upstream, gatewayClasspath));
                }
                for (Map.Entry<String, GatewayProcess> entry : running.entrySet()) {
                    String floor = entry.getKey();
                    GatewayProcess server = entry.getValue();
                    Bench.say("floors: " + floor);
                    wrk.run(floor, server.port(), "/v1/chat/completions", GatewayProcess.CHAT_BODY, 32, 0,
                            floor.equals("gateway") ? gatewayWarmup : warmup);
                    for (int c : new int[] {1, 32}) {
                        long before = server.cpuTicks();
                        LoadResult r = wrk.run(floor, server.port(), "/v1/chat/completions", GatewayProcess.CHAT_BODY,
                                c, 0, seconds);
                        rows.add(new Row(r, server.cpuMicrosPerRequestSince(before, r.requests())));
                    }
                }
                Bench.say("floors: idle requests, " + idleRounds + " rounds, " + idleGapMillis + " ms apart");
                Map<String, Integer> ports = new LinkedHashMap<>();
                ports.put("direct", upstream.port());
                running.forEach((floor, server) -> ports.put(floor, server.port()));
                idle = IdleRequests.measure(ports, idleRounds + IDLE_DISCARD, IDLE_DISCARD, idleGapMillis);
            } finally {
                for (GatewayProcess server : running.values()) {
                    server.close();
                }
            }
        }
        String report = report(machine, rows, seconds, warmup, gatewayWarmup) + idleReport(idle, idleGapMillis);
        Files.writeString(out.resolve(name + ".md"), report);
        System.out.print(report);
        Bench.say("results: " + root.relativize(out.resolve(name + ".md")));
    }

    /** A floor, or the gateway, in its own JVM launched as the gateway is. */
    private static GatewayProcess launch(Path root, String name, String floor, FastUpstream upstream,
                                         String gatewayClasspath) throws IOException, InterruptedException {
        boolean gateway = floor.equals("gateway");
        List<String> jvm = new ArrayList<>(Bench.LAUNCHER_JVM_OPTIONS);
        if (gateway) {
            jvm.add("-Dcaravan.http.worker-threads=1100");
        }
        Path log = root.resolve("target/bench/" + name + "-" + floor + ".log");
        Files.createDirectories(log.getParent());
        String classpath = !gateway ? System.getProperty("java.class.path")
                : gatewayClasspath != null ? gatewayClasspath : Bench.gatewayClasspath();
        List<String> main = gateway ? GatewayProcess.GATEWAY_MAIN : List.of(Floor.class.getName(), floor);
        return new GatewayProcess(root, classpath, jvm, upstream.baseUrl(), log, Duration.ofSeconds(60), main);
    }

    private static String idleReport(List<IdleRequests.Result> idle, long gapMillis) {
        StringBuilder s = new StringBuilder("\n## One request at a time, servers idle in between\n\n");
        s.append(String.format(Locale.ROOT, "Each server in turn, in a new random order each round, %d ms of nothing "
                + "before every request, %d rounds after %d discarded (`IdleRequests`): the condition of a stream's "
                + "first token, where the gateway idles between tokens.%n%n", gapMillis,
                idle.isEmpty() ? 0 : idle.get(0).samples(), IDLE_DISCARD));
        s.append("| server | p50 us | p90 us | +p50 us |\n|---|---|---|---|\n");
        double base = idle.isEmpty() ? 0 : idle.get(0).p50Micros();
        for (IdleRequests.Result r : idle) {
            s.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %s |%n", r.server(), r.p50Micros(), r.p90Micros(),
                    r == idle.get(0) ? "" : String.format(Locale.ROOT, "%.0f", r.p50Micros() - base)));
        }
        return s.toString();
    }

    private record Row(LoadResult load, double cpuMicrosPerRequest) {
    }

    private static String report(Map<String, String> machine, List<Row> rows, double seconds, double warmup,
                                 double gatewayWarmup) {
        StringBuilder s = new StringBuilder("# Caravan floors, ").append(LocalDateTime.now().withNano(0)).append("\n\n");
        s.append("What the platform costs before the gateway does anything (`bench/run.sh --floors`, `dev.caravan.bench.Floor`): ")
                .append("wrk against the fake upstream directly, against servers that only answer or only forward, and ")
                .append("against the gateway, one after the other on one upstream, everything on 127.0.0.1.\n\n");
        machine.forEach((k, v) -> s.append("- ").append(k).append(": ").append(v).append('\n'));
        s.append(String.format(Locale.ROOT, "- %.0f s per point after 2 s (direct) or a %.0f s warm-up at concurrency 32 "
                + "(%.0f s for the gateway); JVMs %s%n%n", seconds, warmup, gatewayWarmup, String.join(" ", Bench.LAUNCHER_JVM_OPTIONS)));
        s.append("| server | conc | req/s | p50 ms | p99 ms | +p50 ms | +p99 ms | server CPU us/request |\n");
        s.append("|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            LoadResult r = row.load();
            LoadResult direct = rows.stream().map(Row::load)
                    .filter(d -> d.target().equals("direct") && d.concurrency() == r.concurrency()).findFirst().orElseThrow();
            boolean isDirect = r.target().equals("direct");
            s.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.3f | %.3f | %s | %s | %s |%n", r.target(),
                    r.concurrency(), r.requestsPerSecond(), r.p50Ms(), r.p99Ms(),
                    isDirect ? "" : String.format(Locale.ROOT, "%.3f", r.p50Ms() - direct.p50Ms()),
                    isDirect ? "" : String.format(Locale.ROOT, "%.3f", r.p99Ms() - direct.p99Ms()),
                    Double.isNaN(row.cpuMicrosPerRequest()) ? "" : String.format(Locale.ROOT, "%.1f", row.cpuMicrosPerRequest())));
            if (r.errors() > 0) {
                s.append("|  | errors: ").append(r.errors()).append(" |  |  |  |  |  |  |\n");
            }
        }
        return s.toString();
    }
}
